/**
 * JSON schemas of the request bodies, compiled once with ajv. `additionalProperties: false`
 * refuses unknown fields, including `__proto__` and `constructor` keys.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** Longest string field accepted by the schema; the policy gives clearer limits below it. */
const MAX_FIELD = 4096;

const password = { type: 'string', minLength: 1, maxLength: MAX_FIELD } as const;

export const requestSchemas = {
  resetPassword: {
    type: 'object',
    additionalProperties: false,
    required: ['token', 'password'],
    properties: { token: { type: 'string', minLength: 1, maxLength: MAX_FIELD }, password },
  },
  changePassword: {
    type: 'object',
    additionalProperties: false,
    required: ['current_password', 'password'],
    properties: { current_password: password, password },
  },
  validatePassword: {
    type: 'object',
    additionalProperties: false,
    required: ['password'],
    properties: { password, reset_token: { type: 'string', minLength: 1, maxLength: MAX_FIELD } },
  },
} as const;

export type SchemaName = keyof typeof requestSchemas;

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = Object.fromEntries(
  Object.entries(requestSchemas).map(([name, schema]) => [name, ajv.compile(schema)]),
) as Record<SchemaName, ValidateFunction>;

/** Validates a body; returns ajv's errors (without the submitted values) or null. */
export function validateBody(name: SchemaName, body: unknown): ErrorObject[] | null {
  const validate = validators[name];
  return validate(body) ? null : (validate.errors ?? []);
}
