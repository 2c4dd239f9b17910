/**
 * `POST /auth/token` with `{"login", "password"}` answers `{"token"}`: the login endpoint, built on
 * the library's `verifyLogin`, so failed attempts count toward the lockout.
 *
 * Every failure is a 401 after the same bcrypt work. An unknown login and a wrong password get the
 * same answer. `user-revoked` is only told to someone who gave the right password (the library
 * reports a revocation only then), and `user-locked` (temporary lockout mode) to anyone, with
 * `Retry-After`, since it ends by itself and its cause was the failed attempts.
 */
import { Router } from 'express';
import { PasswordApiError, type LoginResult } from 'express-rbac-password';
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
      if (token === null) {
        // A revoke, reset or change won the race between the password check and the session:
        // judge the sign-in again after it (a wrong password now counts), once.
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

function loginRefusal(result: Extract<LoginResult, { ok: false }>): PasswordApiError {
  if (result.reason === 'revoked') return new PasswordApiError('user-revoked', 'The account is revoked; ask an administrator to reinstate it or to send a password reset link');
  if (result.reason === 'locked' && result.retryAfterSeconds !== undefined) {
    return new PasswordApiError('user-locked', 'The account is locked after too many failed attempts; try again later', { retryAfterSeconds: result.retryAfterSeconds });
  }
  return new PasswordApiError('user-unauthenticated', 'The login or password is incorrect');
}
