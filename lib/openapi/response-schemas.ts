/**
 * JSON Schemas (2020-12) of the router's answers: the success bodies and the error body
 * `{"kind", "msg", "details"?}`, one schema per error kind so a response can list exactly the
 * kinds it may carry.
 */
import { LOGIN_RULE_IDS, PASSWORD_RULE_IDS } from '../policy/index.ts';
import { DEFAULTS } from '../config/defaults.ts';
import type { ErrorKind } from '../errors.ts';

/** `{"msg"}`: the success answer of `POST /auth/reset` and `PUT /users/current/password`. */
export const messageSchema = {
  title: 'Message',
  type: 'object',
  additionalProperties: false,
  required: ['msg'],
  properties: { msg: { type: 'string' } },
} as const;

/** The JSON answer of `POST /users/{sid}/password/reset` (with `Accept: application/json`). */
export const resetTokenSchema = {
  title: 'ResetToken',
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, description: 'The reset token (a JWT). Single use; hand it to the user out of band.' },
    link: { type: 'string', format: 'uri', description: 'Present when the host set `publicUrl`: that URL with `#token=<token>`.' },
  },
} as const;

/** One outstanding reset token in `GET /users/{sid}/password/reset-tokens`: metadata only. */
export const outstandingResetTokenSchema = {
  title: 'OutstandingResetToken',
  type: 'object',
  additionalProperties: false,
  required: ['handle', 'kind', 'issued_at', 'expires_at', 'issued_by'],
  properties: {
    handle: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{22}$',
      description: 'Names the token for `DELETE …/reset-tokens/{handle}`: a one-way digest of the token’s id, never the token or its `jti`; it cannot redeem anything.',
    },
    kind: { type: 'string', enum: ['admin', 'self-service'], description: '`admin`: issued by an administrator; `self-service`: a link the user asked for (`POST /auth/forgot`).' },
    issued_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    issued_by: { type: ['string', 'null'], description: 'The user id of the administrator who issued it; null for a self-service link.' },
  },
} as const;

/** The answer of `GET /users/{sid}/password/reset-tokens`. */
export const outstandingResetTokensSchema = {
  title: 'OutstandingResetTokens',
  type: 'object',
  additionalProperties: false,
  required: ['tokens'],
  properties: { tokens: { type: 'array', description: 'Oldest first.', items: { $ref: '#/components/schemas/OutstandingResetToken' } } },
} as const;

/** The answer of `DELETE /users/{sid}/password/reset-tokens[/{handle}]`. */
export const revokedResetTokensSchema = {
  title: 'RevokedResetTokens',
  type: 'object',
  additionalProperties: false,
  required: ['revoked'],
  properties: { revoked: { type: 'integer', minimum: 0, description: 'How many outstanding tokens this request revoked.' } },
} as const;

/** The schema of one failed rule of `ruleIds`; `expected` and `actual` are counts, never the password or login. */
function failureSchema<const Ids extends readonly string[]>(title: string, ruleIds: Ids) {
  return {
    title,
    type: 'object',
    additionalProperties: false,
    required: ['rule', 'msg'],
    properties: {
      rule: { type: 'string', enum: [...ruleIds] },
      msg: { type: 'string' },
      expected: { type: 'integer', minimum: 0 },
      actual: { type: 'integer', minimum: 0 },
    },
  } as const;
}

/** The schema of a `{"valid", "failures"}` answer whose failures are the component `failure`. */
function validationSchema(title: string, failure: string) {
  return {
    title,
    type: 'object',
    additionalProperties: false,
    required: ['valid', 'failures'],
    properties: {
      valid: { type: 'boolean' },
      failures: { type: 'array', items: { $ref: `#/components/schemas/${failure}` } },
    },
  } as const;
}

/** One failed password rule. */
export const policyFailureSchema = failureSchema('PolicyFailure', PASSWORD_RULE_IDS);

/** The answer of `POST /command/validate-password`. */
export const passwordValidationSchema = validationSchema('PasswordValidation', 'PolicyFailure');

/** One failed login rule; `expected` and `actual` are lengths in characters, for the length rules. */
export const loginFailureSchema = failureSchema('LoginFailure', LOGIN_RULE_IDS);

/** The answer of `POST /command/validate-login`. */
export const loginValidationSchema = validationSchema('LoginValidation', 'LoginFailure');

/** Which error kinds carry `details`, and their shape. The others have none. */
const ERROR_DETAILS: Partial<Record<ErrorKind, object>> = {
  'schema-violation': {
    type: 'object',
    additionalProperties: false,
    required: ['errors'],
    properties: {
      errors: {
        type: 'array',
        description: 'What is wrong with the body; submitted values are never echoed.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'keyword', 'message'],
          properties: {
            path: { type: 'string', description: 'JSON Pointer of the offending value, `/` for the body itself.' },
            keyword: { type: 'string', description: 'The JSON Schema keyword that failed.' },
            message: { type: 'string' },
            property: { type: 'string', maxLength: 64, description: 'The unexpected property, for `additionalProperties`.' },
          },
        },
      },
    },
  },
  'password-policy-violation': {
    type: 'object',
    additionalProperties: false,
    required: ['failures'],
    properties: { failures: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/PolicyFailure' } } },
  },
};

/** The generic error body every error answer has. */
export function errorSchema(): object {
  return {
    title: 'Error',
    type: 'object',
    required: ['kind', 'msg'],
    properties: {
      kind: { type: 'string', description: `The error kind, prefixed with the router’s \`errorNamespace\` (default \`${DEFAULTS.errorNamespace}\`).` },
      msg: { type: 'string', description: 'A human-readable message. Never contains a password, token, hash or key.' },
      details: { description: 'Present for some kinds: `schema-violation` and `password-policy-violation`.' },
    },
  };
}

/** The schema of the error body of one kind: `kind` is exactly `namespace + kind`. */
export function errorKindSchema(namespace: string, kind: ErrorKind): object {
  const details = ERROR_DETAILS[kind];
  return {
    title: `Error: ${kind}`,
    type: 'object',
    additionalProperties: false,
    required: details === undefined ? ['kind', 'msg'] : ['kind', 'msg', 'details'],
    properties: {
      kind: { const: namespace + kind },
      msg: { type: 'string' },
      ...(details === undefined ? {} : { details }),
    },
  };
}
