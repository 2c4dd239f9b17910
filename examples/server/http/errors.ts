/**
 * The server's own routes answer errors exactly as the library's router does: the library's
 * error handler, with JSON `{"kind", "msg", "details"?}` and the library's default namespace.
 */
import type { NextFunction, Request, Response } from 'express';
import { createErrorHandler, DEFAULTS, PasswordApiError } from 'express-rbac-password';

/** The namespace of every error kind: the library's default (`puppetlabs.rbac/`). */
export const ERROR_NAMESPACE = DEFAULTS.errorNamespace;

/** Express error handler for the server's routes. Logs kinds and error classes only, never values. */
export const apiErrorHandler = createErrorHandler(ERROR_NAMESPACE);

/** The answer for a path under the API that no route serves. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new PasswordApiError('not-found', `No route ${req.method} ${req.baseUrl}${req.path}`));
}
