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

/** A redemption the service rolled back on purpose, even when a store wrapped the error it saw in `apply`. */
export function isAbortedRedemption(error: unknown): boolean {
  return error instanceof AbortRedemption || (error instanceof StoreUnavailableError && error.cause instanceof AbortRedemption);
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
  // The controller is made only when the store reads `signal`: the synchronous memory stores
  // never do, and keep their cheap calls cheap. One read after the timeout gets a fired signal.
  let controller: AbortController | undefined;
  let timeout: StoreUnavailableError | undefined;
  const options: StoreCallOptions = {
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (timeout !== undefined) controller.abort(timeout);
      }
      return controller.signal;
    },
  };
  let result: T | Promise<T>;
  try {
    result = call(options);
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
      timeout = error;
      controller?.abort(error);
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
