/**
 * `POST /auth/token` with `{"login", "password"}` answers `{"token"}`: the login endpoint, built on
 * the library's `verifyLogin`, so failed attempts count toward the lockout.
 *
 * Every failure is a 401 after the same bcrypt work. An unknown login and a wrong password get the
 * same answer. `user-revoked` is only told to someone who gave the right password (the library
 * reports a revocation only then), and `user-locked` (temporary lockout mode) to anyone, with
 * `Retry-After`, since it ends by itself and its cause was the failed attempts.
 * `password-change-required` (401, no session) is told only to the right password of an active
 * account whose password is too old or must be changed: the change page then asks for a new one
 * (`POST /auth/change-password`, with the login and the current password).
 */
import { Router } from 'express';
import { credentialStamp, PasswordApiError, type LoginResult } from 'express-rbac-password';
import { jsonBody } from '../http/json-body.ts';
import { handle, type RouteContext } from './context.ts';

export function authTokenRoutes(context: RouteContext): Router {
  const router = Router();
  router.post(
    '/auth/token',
    ...jsonBody('authToken'),
    handle(async (req, res) => {
      const { login, password } = req.body as { login: string; password: string };
      // The router's context: the same request id, and the same fair share of the hashing pool.
      const call = context.callContext(req);
      const result = await context.service.verifyLogin(login, password, call);
      if (!result.ok) throw loginRefusal(result);
      let token = await context.authorizer.startSession(result);
      if (token === null && (await endedSince(context, result))) {
        // A revoke, reset or change committed after the password check (which may have cleared the
        // counter): the sign-in came first, and that request ended its session. Answered as in that
        // order: 200, with a token that was never stored.
        token = context.authorizer.endedSession();
      }
      if (token === null) {
        // A lockout won the race (it ends no session): judge the sign-in again after it, once.
        const again = await context.service.verifyLogin(login, password, call);
        if (!again.ok) throw loginRefusal(again);
        token = await context.authorizer.startSession(again);
        if (token === null) throw loginRefusal({ ok: false, reason: 'invalid-credentials' });
      }
      res.set('Cache-Control', 'no-store').status(200).json({ token });
    }),
  );
  return router;
}

/**
 * Whether what refused the session is a request that ends sessions: a new password (reset or
 * change) or an administrator's revocation. A lockout revocation or a temporary lock ends none:
 * the sign-in is then judged again, which answers as the order "lock, then sign-in" does (a lock
 * leaves the counter at the threshold whichever came first).
 */
async function endedSince(context: RouteContext, result: Extract<LoginResult, { ok: true }>): Promise<boolean> {
  const account = await context.store.findAccountById(result.user.id);
  if (account === null || account.passwordHash === null || credentialStamp(account.passwordHash) !== result.credential) return true;
  return account.isRevoked && account.revokedBy !== 'lockout';
}

function loginRefusal(result: Extract<LoginResult, { ok: false }>): PasswordApiError {
  if (result.reason === 'password-change-required') {
    const why = result.changeCause === 'expired' ? 'The password is too old' : 'An administrator asked for a new password';
    return new PasswordApiError('password-change-required', `${why}: choose a new one before signing in`, { details: { cause: result.changeCause } });
  }
  if (result.reason === 'revoked') return new PasswordApiError('user-revoked', 'The account is revoked; ask an administrator to reinstate it or to send a password reset link');
  if (result.reason === 'locked' && result.retryAfterSeconds !== undefined) {
    return new PasswordApiError('user-locked', 'The account is locked after too many failed attempts; try again later', { retryAfterSeconds: result.retryAfterSeconds });
  }
  return new PasswordApiError('user-unauthenticated', 'The login or password is incorrect');
}
