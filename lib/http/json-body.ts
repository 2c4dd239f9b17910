/**
 * JSON request bodies, parsed and checked one way for every route: `application/json` only, UTF-8
 * only, a size limit, and a JSON schema whose errors say where and why, never the submitted values
 * (they may be passwords). Exported so a host's own routes can do the same.
 */
import { isUtf8 } from 'node:buffer';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { PasswordApiError } from '../errors.ts';

/** One schema error, as ajv reports it (the fields the 400 answer uses). */
export interface BodyValidationError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: object;
}

/**
 * A compiled schema check: true when the body is valid, else false with `errors` set. An ajv
 * `ValidateFunction` is one; stated here so ajv's types (and its semver) stay out of ours.
 */
export interface BodyValidator {
  (body: unknown): boolean;
  readonly errors?: readonly BodyValidationError[] | null;
}

/**
 * Returns a factory: given a compiled validator (such as ajv's), the middlewares that leave a checked body in
 * `req.body` or pass a 400 (`malformed-request`, `schema-violation`) or 413 to the error handler.
 */
export function createJsonBody(options: { readonly limit?: number | string } = {}): (validate: BodyValidator) => RequestHandler[] {
  const parse = express.json({ limit: options.limit ?? '16kb', strict: true, type: () => true, verify: requireUtf8 });
  return (validate) => [
    function requireJson(req, _res, next) {
      next(req.is('application/json') ? undefined : new PasswordApiError('malformed-request', 'The request body must be JSON (Content-Type: application/json)'));
    },
    parse,
    refuseBodyParsedEarlier,
    function checkSchema(req, _res, next) {
      if (validate(req.body)) return next();
      const errors = (validate.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        keyword: e.keyword,
        message: e.message ?? 'is invalid',
        ...(e.keyword === 'additionalProperties' ? echoProperty((e.params as { additionalProperty?: unknown }).additionalProperty) : {}),
      }));
      next(new PasswordApiError('schema-violation', 'The request body does not match the schema', { details: { errors } }));
    },
  ];
}

/**
 * A parser the host mounted before the router may have read the body already: our JSON parser then
 * skips it. `express.text({ type: '*\/*' })` leaves a string, `express.raw` a Buffer; neither is
 * a schema problem of the client's, so the 400 says what happened and how to mount the router.
 */
function refuseBodyParsedEarlier(req: Request, _res: Response, next: (error?: unknown) => void): void {
  const kind = typeof req.body === 'string' ? 'text' : Buffer.isBuffer(req.body) ? 'raw bytes' : undefined;
  if (kind === undefined) {
    next();
    return;
  }
  next(
    new PasswordApiError(
      'malformed-request',
      `The request body arrived already parsed as ${kind} by a body parser mounted before this router (such as express.${kind === 'text' ? 'text' : 'raw'}({ type: '*/*' })). ` +
        'Mount the password router before that parser, or limit the parser to the content types it is for.',
    ),
  );
}

/** The unknown property's name, unless it does not look like a field name (e.g. a whole body parsed as a form key, password included). */
function echoProperty(name: unknown): { property?: string } {
  const text = String(name);
  return /^[\w.$-]{1,64}$/.test(text) ? { property: text } : {};
}

/**
 * Bodies must be UTF-8 (README: `malformed-request`). body-parser would otherwise turn invalid
 * bytes into U+FFFD, so different passwords would be stored as the same one, and would decode
 * UTF-16/32 when the charset says so.
 */
function requireUtf8(req: Request, _res: Response, buf: Buffer): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if ((charset !== undefined && charset.toLowerCase() !== 'utf-8') || !isUtf8(buf)) {
    throw Object.assign(new Error('the request body is not UTF-8'), { type: 'charset.unsupported' });
  }
}
