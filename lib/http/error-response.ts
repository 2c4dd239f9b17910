/** Turns any error reaching the router into the API's JSON error body, without leaking secrets. */
import type { NextFunction, Request, Response } from 'express';
import { HasherBusyError, HasherClosedError, HasherKeyBusyError, HasherWorkerExitError, PasswordApiError, StoreUnavailableError } from '../errors.ts';
import { DEFAULTS } from '../config/defaults.ts';
import { createLogger } from '../log.ts';

const log = createLogger('http');

/** Errors from express.json (body-parser) carry a `type` naming what went wrong. */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

/** Maps an error to the API error it is answered with. Unknown errors become a bare 500. */
export function toApiError(error: unknown): PasswordApiError {
  if (error instanceof PasswordApiError) return error;
  if (error instanceof StoreUnavailableError) {
    return new PasswordApiError('server-error', 'The service is temporarily unavailable; try again later', { status: 503, retryAfterSeconds: 1 });
  }
  // By class, never by a `code` string: any object can carry a code.
  if (error instanceof HasherKeyBusyError) {
    // Checked before the general case: this client, not the service, is over its share.
    return new PasswordApiError('too-many-requests', KEY_BUSY_MSG, {
      retryAfterSeconds: retryAfter(error),
    });
  }
  if (error instanceof HasherBusyError) {
    return new PasswordApiError('server-error', 'Too many password requests at once; try again shortly', { status: 503, retryAfterSeconds: retryAfter(error) });
  }
  if (error instanceof HasherClosedError || error instanceof HasherWorkerExitError) {
    // The pool is shutting down or lost a worker: temporary, like a store outage.
    return new PasswordApiError('server-error', 'The service is temporarily unavailable; try again later', { status: 503, retryAfterSeconds: 1 });
  }
  const type = (error as BodyParserError | null)?.type;
  switch (type) {
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
    default: {
      // Other client errors raised before our handlers run, e.g. a `:sid` that is not valid
      // percent-encoding (Express's 400 URIError) or a gzip/deflate body that does not inflate.
      const status = (error as BodyParserError | null)?.status;
      if (typeof status === 'number' && status >= 400 && status < 500) return new PasswordApiError('malformed-request', 'The request could not be read');
      return new PasswordApiError('server-error', 'An unexpected error occurred');
    }
  }
}

/** A busy error's own `Retry-After`, as whole seconds of at least 1. */
function retryAfter(error: unknown): number {
  const seconds = (error as HasherBusyError).retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 1;
}

/** The 429's `msg`: one text, shared by `toApiError` and the error handler's preformatted body. */
const KEY_BUSY_MSG = 'Too many password requests from this client at once; try again shortly';

/**
 * The router's error handler: JSON `{kind, msg, details?}` with the kind's status. Exported so a
 * host can answer its own routes' errors (e.g. a `PasswordApiError` it throws) the same way.
 */
export function createErrorHandler(namespace: string = DEFAULTS.errorNamespace) {
  // A flooding client's 429s come by the thousand: their body is made once, byte for byte what
  // `res.json` would write for it, and answered without an API error, a stringify or a charset parse.
  const keyBusyBody = Buffer.from(JSON.stringify({ kind: `${namespace}too-many-requests`, msg: KEY_BUSY_MSG }), 'utf8');
  return function passwordErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HasherKeyBusyError && answerKeyBusy(error, req, res, keyBusyBody)) return;
    const apiError = toApiError(error);
    if (apiError.status >= 500) {
      // Name and cause class only: store errors may echo their input, which can hold a secret.
      const cause = error instanceof StoreUnavailableError ? `${error.operation}: ${(error.cause as Error | undefined)?.name ?? 'error'}` : (error as Error | null)?.name;
      log('%s %s -> %d %s (%s)', req.method, req.baseUrl + req.path, apiError.status, apiError.kind, cause ?? 'error');
    } else {
      log('%s %s -> %d %s', req.method, req.baseUrl + req.path, apiError.status, apiError.kind);
    }
    if (apiError.retryAfterSeconds !== undefined) res.set('Retry-After', String(apiError.retryAfterSeconds));
    res.status(apiError.status).json({
      kind: namespace + apiError.kind,
      msg: apiError.expose ? apiError.message : 'An unexpected error occurred',
      ...(apiError.details === undefined ? {} : { details: apiError.details }),
    });
  };
}

/**
 * Answers a `HasherKeyBusyError` with its preformatted body: the same status, headers and bytes
 * as the general path (`Retry-After`, then `res.send` of the JSON, which sets `Content-Length` and
 * the app's `ETag`). False, answering nothing, where the general path would write otherwise: a
 * `Content-Type` already set, or the app's `json replacer`, `json spaces` or `json escape`.
 */
function answerKeyBusy(error: HasherKeyBusyError, req: Request, res: Response, body: Buffer): boolean {
  const app = res.app as Response['app'] | undefined;
  if (app === undefined || res.getHeader('Content-Type') !== undefined) return false;
  if (app.get('json replacer') || app.get('json spaces') || app.get('json escape')) return false;
  if (log.enabled) log('%s %s -> %d %s', req.method, req.baseUrl + req.path, 429, 'too-many-requests');
  res.setHeader('Retry-After', String(retryAfter(error)));
  res.statusCode = 429;
  // What `res.json` then `res.send` set for a JSON string, in Express 4 and 5 alike.
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.send(body);
  return true;
}
