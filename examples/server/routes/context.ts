/** What the server's route modules share. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { asyncHandler, assertAccountActive, type CallContext, type PasswordService } from 'express-rbac-password';
import type { ReferenceStore } from '../storage/reference-store.ts';
import type { ServerPrincipal, SessionAuthorizer } from '../authorizer.ts';

export interface RouteContext {
  readonly store: ReferenceStore;
  readonly service: PasswordService<ServerPrincipal>;
  readonly authorizer: SessionAuthorizer;
  readonly now: () => Date;
  /** The request's id, as given to the library (events, logs). */
  requestId(req: Request): string;
  /** The request id and hashing fairness key the library's router uses for `req`. */
  callContext(req: Request): CallContext;
  /** The router's authentication: the principal, or a 401 `user-unauthenticated`. */
  authenticate(req: Request): Promise<ServerPrincipal>;
}

/** Express 4 and 5 alike: a rejected promise goes to the error handler (the library's helper). */
export const handle = asyncHandler;

/**
 * Authentication for the server's routes, with the library's answers: 401 `user-unauthenticated`
 * without a live auth token, 401 `user-revoked` (or `user-locked`) for a disabled account.
 */
export function requireUser(context: RouteContext): RequestHandler {
  const check = async (req: Request, res: Response): Promise<void> => {
    const principal = await context.authenticate(req);
    assertAccountActive(principal, context.now());
    res.locals['principal'] = principal;
  };
  // next() is called outside the promise chain: an error thrown further down must not land here.
  return (req: Request, res: Response, next: NextFunction) => {
    check(req, res).then(() => next(), next);
  };
}

/** The principal `requireUser` authenticated. */
export function principalOf(res: Response): ServerPrincipal {
  return res.locals['principal'] as ServerPrincipal;
}
