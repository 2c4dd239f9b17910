/**
 * `POST /reset-password/account` with `{"reset_token"}` answers `{"login"}`: whose password a reset
 * link sets, so the reset page can say so. The token is checked exactly as validate-password checks
 * it (signature, expiry, single use; 403 `invalid-token` otherwise) and is not consumed. Only the
 * holder of the token learns the login, and the token already lets them set its password.
 */
import { Router } from 'express';
import jwt from 'jsonwebtoken';
import { PasswordApiError } from 'express-rbac-password';
import { jsonBody } from '../http/json-body.ts';
import { handle, type RouteContext } from './context.ts';

export function resetAccountRoutes(context: RouteContext): Router {
  const router = Router();
  router.post(
    '/reset-password/account',
    ...jsonBody('resetToken'),
    handle(async (req, res) => {
      const { reset_token: token } = req.body as { reset_token: string };
      // A blank candidate fails the policy before any hashing; a bad token throws invalid-token first.
      await context.service.validatePassword(' ', { resetToken: token });
      const userId = (jwt.decode(token) as { sub?: unknown } | null)?.sub;
      const account = typeof userId === 'string' ? await context.store.findAccountById(userId) : null;
      if (account === null) throw new PasswordApiError('invalid-token', 'The reset token is invalid or has already been used');
      res.status(200).json({ login: account.login });
    }),
  );
  return router;
}
