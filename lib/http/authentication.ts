/**
 * Authentication is the router's (the core service never sees a request): the host's
 * `authorizer.authenticate(req)` under the store timeout, and a 401 when it finds no principal.
 * Whether that principal's account is revoked or locked is the service's check, on each call.
 */
import type { Request } from 'express';
import { PasswordApiError } from '../errors.ts';
import { storeCall } from '../service/store-call.ts';
import type { Authorizer, Principal } from '../types.ts';

/** Resolves the principal behind a request, or rejects with 401 `user-unauthenticated` (503 when the authorizer fails or hangs). */
export function createAuthentication<P extends Principal>(authorizer: Authorizer<P>, timeoutMs: number): (req: Request) => Promise<P> {
  return async (req) => {
    const principal = await storeCall('authorizer.authenticate', timeoutMs, () => authorizer.authenticate(req));
    if (principal === null || principal === undefined || typeof principal.userId !== 'string') {
      throw new PasswordApiError('user-unauthenticated', 'Route requires authentication');
    }
    return principal;
  };
}
