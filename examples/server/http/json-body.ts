/**
 * JSON bodies of the server's own routes, parsed and checked the way the library's router does:
 * `Content-Type: application/json` required, a small size limit, and a JSON schema with
 * `additionalProperties: false` (which also refuses `__proto__` keys).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import express, { type RequestHandler } from 'express';
import { PasswordApiError } from '../../../lib/index.ts';

const MAX_FIELD = 4096;
const string = { type: 'string', minLength: 1, maxLength: MAX_FIELD } as const;

const schemas = {
  authToken: {
    type: 'object',
    additionalProperties: false,
    required: ['login', 'password'],
    properties: { login: { type: 'string', minLength: 1, maxLength: 1024 }, password: string },
  },
  userCommand: {
    type: 'object',
    additionalProperties: false,
    required: ['user_id'],
    properties: { user_id: { type: 'string', minLength: 1, maxLength: 64 } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<keyof typeof schemas, ValidateFunction>;
const parse = express.json({ limit: '16kb', strict: true, type: () => true });

/** Middlewares that leave a checked body in `req.body`, or pass a 400 to the error handler. */
export function jsonBody(schema: keyof typeof schemas): RequestHandler[] {
  const validate = validators[schema];
  return [
    function requireJson(req, _res, next) {
      next(req.is('application/json') ? undefined : new PasswordApiError('malformed-request', 'The request body must be JSON (Content-Type: application/json)'));
    },
    parse,
    function checkSchema(req, _res, next) {
      if (validate(req.body)) return next();
      // Like the library: where and why, never the submitted values (they may be passwords).
      const errors = (validate.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        keyword: e.keyword,
        message: e.message ?? 'is invalid',
        ...(e.keyword === 'additionalProperties' ? { property: String((e.params as { additionalProperty?: unknown }).additionalProperty).slice(0, 64) } : {}),
      }));
      next(new PasswordApiError('schema-violation', 'The request body does not match the schema', { details: { errors } }));
    },
  ];
}
