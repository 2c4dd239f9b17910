/** Non-secret descriptions of errors, for logs and events. */
import { BreachCheckError, StoreUnavailableError } from '../errors.ts';

/** The class name of an error (and of its cause, for store errors): error messages may echo an address or a secret. */
export function describeError(error: unknown): string {
  if (error instanceof StoreUnavailableError) return `${error.operation}: ${(error.cause as Error | null)?.name ?? 'error'}`;
  return (error as Error | null)?.name ?? 'error';
}

/** A non-secret reason for logs and events: a breach check's code, else the error's class name. */
export function breachReason(error: unknown): string {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  if (cause instanceof BreachCheckError) return cause.reason;
  if (error instanceof StoreUnavailableError && /timed out/.test(String((cause as Error)?.message))) return 'timeout';
  return (cause as Error | null)?.name ?? 'error';
}
