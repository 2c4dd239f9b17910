/**
 * `POST /auth/token` with `{"login", "password"}` answers `{"token"}`: the login endpoint, built on
 * the library's `verifyLogin`, so failed attempts count toward the lockout.
 *
 * Every failure (unknown login, wrong password, revoked or locked account) gets the same 401 with
 * the same message, after the same bcrypt work: the answer never tells whether a login exists or
 * what state it is in. A locked-out user learns it from their admin, who can send a reset link.
 */
import { Router } from 'express';
import { PasswordApiError } from '../../../lib/index.ts';
import { jsonBody } from '../http/json-body.ts';
import { handle, type RouteContext } from './context.ts';

export function authTokenRoutes(context: RouteContext): Router {
  const router = Router();
  router.post(
    '/auth/token',
    ...jsonBody('authToken'),
    handle(async (req, res) => {
      const { login, password } = req.body as { login: string; password: string };
      const result = await context.service.verifyLogin(login, password, { requestId: context.requestId(req) });
      if (!result.ok) throw new PasswordApiError('user-unauthenticated', 'The login or password is incorrect, or the account is disabled');
      const token = await context.authorizer.startSession(result.user.id);
      res.set('Cache-Control', 'no-store').status(200).json({ token });
    }),
  );
  return router;
}
