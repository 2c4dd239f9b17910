/**
 * A `verifyLogin` refusal as the API's error: what a route that checks a login and password (the
 * change by login, `POST /auth/change-password`) answers, with `verifyLogin`'s oracle rules.
 */
import { PasswordApiError } from '../errors.ts';
import type { LoginRefusal } from './login-verification.ts';

/** 401 for every refusal: `user-revoked` and `user-locked` only where `verifyLogin` told them (`revealAccountState`). */
export function loginRefusalError(refusal: LoginRefusal): PasswordApiError {
  if (refusal.reason === 'revoked') return new PasswordApiError('user-revoked', 'The account is revoked');
  if (refusal.reason === 'locked' && refusal.retryAfterSeconds !== undefined) {
    return new PasswordApiError('user-locked', 'The account is locked after too many failed attempts; try again later', { retryAfterSeconds: refusal.retryAfterSeconds });
  }
  if (refusal.reason === 'password-change-required') {
    return new PasswordApiError('password-change-required', 'The password must be changed before signing in', { details: { cause: refusal.changeCause } });
  }
  return new PasswordApiError('user-unauthenticated', 'The login or password is incorrect');
}
