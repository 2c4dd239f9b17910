/**
 * Runs one store (or authorizer) call under the store timeout. A throw, a rejection or a timeout
 * becomes `StoreUnavailableError` (answered 503); errors the library itself raised pass through.
 */
import { PasswordApiError, StoreUnavailableError } from '../errors.ts';

/** Errors thrown on purpose inside a store callback, which must reach the caller unchanged. */
export class AbortRedemption extends Error {
  override readonly name = 'AbortRedemption';
}

export async function storeCall<T>(operation: string, timeoutMs: number, call: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(operation, new Error(`timed out after ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), timeout]);
  } catch (error) {
    if (error instanceof StoreUnavailableError || error instanceof PasswordApiError || error instanceof AbortRedemption) throw error;
    throw new StoreUnavailableError(operation, error);
  } finally {
    clearTimeout(timer);
  }
}
