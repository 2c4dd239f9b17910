/** The `outcome` label of an operation that threw: the API error kind it is answered with. */
import { HasherKeyBusyError, PasswordApiError } from '../errors.ts';
import type { Outcome } from './metric-names.ts';

/** As the router's error handler would answer it, without importing the HTTP layer (sign-ins run in the host's route). */
export function outcomeOfError(error: unknown): Outcome {
  if (error instanceof PasswordApiError) return error.kind;
  if (error instanceof HasherKeyBusyError) return 'too-many-requests';
  return 'server-error';
}
