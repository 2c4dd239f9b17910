/**
 * Runs one store (or authorizer) call under the store timeout. A throw, a rejection or a timeout
 * becomes `StoreUnavailableError` (answered 503); errors the library itself raised pass through.
 */
import { PasswordApiError, StoreUnavailableError } from '../errors.ts';

/** Errors thrown on purpose inside a store callback, which must reach the caller unchanged. */
export class AbortRedemption extends Error {
  override readonly name = 'AbortRedemption';
}

function wrap(operation: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof PasswordApiError || error instanceof AbortRedemption) return error;
  return new StoreUnavailableError(operation, error);
}

export function storeCall<T>(operation: string, timeoutMs: number, call: () => T | Promise<T>): Promise<T> {
  let result: T | Promise<T>;
  try {
    result = call();
  } catch (error) {
    return Promise.reject(wrap(operation, error));
  }
  // A synchronous store (the memory stores) answered already: no timer to arm, which keeps the
  // cheap routes cheap (several store calls per request).
  if (!(result instanceof Promise) && typeof (result as { then?: unknown } | null)?.then !== 'function') return Promise.resolve(result as T);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreUnavailableError(operation, new Error(`timed out after ${timeoutMs} ms`))), timeoutMs);
    Promise.resolve(result).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(wrap(operation, error));
      },
    );
  });
}
