/**
 * The server's own routes answer errors exactly as the library's router does:
 * JSON `{"kind", "msg", "details"?}` with the kind's status and the `puppetlabs.rbac/` namespace.
 */
import type { NextFunction, Request, Response } from 'express';
import { HasherBusyError, PasswordApiError, StoreUnavailableError } from '../../../lib/index.ts';
import { createLogger } from '../../../lib/log.ts';

const log = createLogger('server:http');

/** The namespace of every error kind, as the library's default. */
export const ERROR_NAMESPACE = 'puppetlabs.rbac/';

function toApiError(error: unknown): PasswordApiError {
  if (error instanceof PasswordApiError) return error;
  if (error instanceof StoreUnavailableError || error instanceof HasherBusyError) {
    return new PasswordApiError('server-error', 'The service is temporarily unavailable; try again later', { status: 503, retryAfterSeconds: 1 });
  }
  switch ((error as { type?: unknown } | null)?.type) {
    case 'entity.too.large':
      return new PasswordApiError('request-too-large', 'The request body is too large');
    case 'entity.parse.failed':
      return new PasswordApiError('malformed-request', 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new PasswordApiError('malformed-request', 'The request body must be UTF-8 encoded JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new PasswordApiError('malformed-request', 'The request body could not be read');
    default:
      // Store drivers throw their own errors; none of them is the client's fault.
      return new PasswordApiError('server-error', 'An unexpected error occurred');
  }
}

/** Express error handler for the server's routes. Logs kinds and error classes only, never values. */
export function apiErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const apiError = toApiError(error);
  log('%s %s -> %d %s%s', req.method, req.baseUrl + req.path, apiError.status, apiError.kind, apiError.status >= 500 ? ` (${(error as Error | null)?.name ?? 'error'})` : '');
  if (apiError.retryAfterSeconds !== undefined) res.set('Retry-After', String(apiError.retryAfterSeconds));
  res.status(apiError.status).json({
    kind: ERROR_NAMESPACE + apiError.kind,
    msg: apiError.expose ? apiError.message : 'An unexpected error occurred',
    ...(apiError.details === undefined ? {} : { details: apiError.details }),
  });
}

/** The answer for a path under the API that no route serves. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new PasswordApiError('not-found', `No route ${req.method} ${req.baseUrl}${req.path}`));
}
