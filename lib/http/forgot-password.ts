/**
 * `POST /auth/forgot`: self-service reset, mounted only when the host passes `sendResetLink`.
 * The answer is the same 202 for every well-formed request and is sent before any lookup: the
 * lookup, the token and the mail happen afterwards, so neither the answer nor its timing tells
 * whether the account exists, is remote, revoked, in its cooldown, or has an email.
 */
import type { Request, RequestHandler } from 'express';
import { PasswordApiError } from '../errors.ts';
import type { CallContext } from '../events.ts';
import type { PasswordService } from '../service/password-service.ts';
import type { ResetLinkRequest } from '../self-service/reset-links.ts';
import type { Principal } from '../types.ts';

/** The one answer of every accepted request. */
export const FORGOT_PASSWORD_ANSWER = Object.freeze({
  msg: 'If an account matches and can receive mail, a reset link is on its way to its email address.',
});

export function forgotPasswordRoute<P extends Principal>(
  service: PasswordService<P>,
  lookups: { readonly byLogin: boolean; readonly byEmail: boolean },
  contextOf: (req: Request) => CallContext,
): RequestHandler {
  return function forgotPassword(req, res, next) {
    const body = req.body as { login?: string; email?: string };
    const request: ResetLinkRequest = body.email === undefined ? { login: body.login as string } : { email: body.email };
    // Which lookups exist is configuration, the same for every account: saying so leaks nothing.
    if ('email' in request ? !lookups.byEmail : !lookups.byLogin) {
      next(new PasswordApiError('malformed-request', `This service finds accounts by ${lookups.byEmail ? 'email' : 'login'} only`));
      return;
    }
    const context = contextOf(req);
    res.status(202).json(FORGOT_PASSWORD_ANSWER);
    // After the answer is written; the service starts its work on a later turn of the event loop.
    void service.requestResetLink(request, context);
  };
}
