/**
 * JSON bodies of the server's own routes, through the library's own body parser (`createJsonBody`):
 * `Content-Type: application/json` and UTF-8 required, a small size limit, and a JSON schema with
 * `additionalProperties: false` (which also refuses `__proto__` keys).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { RequestHandler } from 'express';
import { createJsonBody, DEFAULTS } from 'express-rbac-password';

const MAX_FIELD = 4096;
const string = { type: 'string', minLength: 1, maxLength: MAX_FIELD } as const;

const schemas = {
  authToken: {
    type: 'object',
    additionalProperties: false,
    required: ['login', 'password'],
    properties: { login: { type: 'string', minLength: 1, maxLength: 1024 }, password: string },
  },
  resetToken: {
    type: 'object',
    additionalProperties: false,
    required: ['reset_token'],
    properties: { reset_token: string },
  },
  userCommand: {
    type: 'object',
    additionalProperties: false,
    required: ['user_id'],
    properties: { user_id: { type: 'string', minLength: 1, maxLength: 64 } },
  },
  reinstateCommand: {
    type: 'object',
    additionalProperties: false,
    required: ['user_id'],
    properties: { user_id: { type: 'string', minLength: 1, maxLength: 64 }, with_reset_token: { type: 'boolean' } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<keyof typeof schemas, ValidateFunction>;
const body = createJsonBody({ limit: DEFAULTS.bodyLimit });

/** Middlewares that leave a checked body in `req.body`, or pass a 400 to the error handler (the library's own parser). */
export function jsonBody(schema: keyof typeof schemas): RequestHandler[] {
  return body(validators[schema]);
}
