/**
 * Runs one store (or authorizer) call under the store timeout. A throw, a rejection or a timeout
 * becomes `StoreUnavailableError` (answered 503); errors the library itself raised pass through.
 * Every call gets an `AbortSignal` that fires when the library stops waiting, so a store can
 * refrain from committing what nobody waits for any more.
 */
import { PasswordApiError, StoreUnavailableError } from '../errors.ts';
import type { StoreCallOptions } from '../types.ts';

/** Errors thrown on purpose inside a store callback, which must reach the caller unchanged. */
export class AbortRedemption extends Error {
  override readonly name = 'AbortRedemption';
}

function wrap(operation: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof PasswordApiError || error instanceof AbortRedemption) return error;
  return new StoreUnavailableError(operation, error);
}

/**
 * Calls `call` with `{ signal }` and settles with its outcome, or with a timeout error after
 * `timeoutMs`, which also fires the signal. `onLate` then gets the call's own promise, which may
 * still settle (and commit) later: password writes use it to find out what really happened.
 */
export function storeCall<T>(operation: string, timeoutMs: number, call: (options: StoreCallOptions) => T | Promise<T>, onLate?: (pending: Promise<T>) => void): Promise<T> {
  const controller = new AbortController();
  let result: T | Promise<T>;
  try {
    result = call({ signal: controller.signal });
  } catch (error) {
    return Promise.reject(wrap(operation, error));
  }
  // A synchronous store (the memory stores) answered already: no timer to arm, which keeps the
  // cheap routes cheap (several store calls per request).
  if (!(result instanceof Promise) && typeof (result as { then?: unknown } | null)?.then !== 'function') return Promise.resolve(result as T);
  const pending = Promise.resolve(result);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new StoreUnavailableError(operation, new Error(`timed out after ${timeoutMs} ms`));
      controller.abort(error);
      onLate?.(pending);
      reject(error);
    }, timeoutMs);
    pending.then(
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
