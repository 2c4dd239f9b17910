/**
 * JSON Schemas (2020-12, the dialect of OpenAPI 3.1) of the request bodies. They are the single
 * source of both what the router enforces with ajv (`lib/http/schemas.ts`) and what the OpenAPI
 * document publishes, so the two cannot drift. `additionalProperties: false` refuses unknown
 * fields, including `__proto__` and `constructor` keys.
 */

/** Longest string field accepted by the schema; the password policy gives clearer limits below it. */
export const MAX_FIELD_LENGTH = 4096;

const password = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_FIELD_LENGTH,
  description: 'The new password. Checked against the password policy after NFKC normalization.',
} as const;

const resetToken = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_FIELD_LENGTH,
  description: 'A reset token issued by `POST /users/{sid}/password/reset`.',
} as const;

/** The request body schemas, by name. */
export const requestSchemas = {
  /** `POST /auth/reset` */
  resetPassword: {
    title: 'ResetPasswordRequest',
    type: 'object',
    additionalProperties: false,
    required: ['token', 'password'],
    properties: { token: resetToken, password },
  },
  /** `PUT /users/current/password` */
  changePassword: {
    title: 'ChangePasswordRequest',
    type: 'object',
    additionalProperties: false,
    required: ['current_password', 'password'],
    properties: {
      current_password: { ...password, description: 'The caller’s current password.' },
      password,
    },
  },
  /** `POST /auth/change-password` (when the user store has `findByLogin`) */
  changePasswordWithLogin: {
    title: 'ChangePasswordWithLoginRequest',
    type: 'object',
    additionalProperties: false,
    required: ['login', 'current_password', 'password'],
    properties: {
      login: { type: 'string', minLength: 1, maxLength: 1024, description: 'The account’s login, exactly as stored.' },
      current_password: { ...password, description: 'The account’s current password.' },
      password,
    },
  },
  /** `POST /command/validate-password` */
  validatePassword: {
    title: 'ValidatePasswordRequest',
    type: 'object',
    additionalProperties: false,
    required: ['password'],
    properties: {
      password: { ...password, description: 'The candidate password.' },
      reset_token: { ...resetToken, description: 'Checks the candidate for this token’s user, without consuming the token; stands in for authentication.' },
    },
  },
  /** `POST /command/validate-login` */
  validateLogin: {
    title: 'ValidateLoginRequest',
    type: 'object',
    additionalProperties: false,
    required: ['login'],
    properties: {
      login: { type: 'string', minLength: 1, maxLength: MAX_FIELD_LENGTH, description: 'The proposed login, exactly as it would be stored (it is not normalized).' },
    },
  },
  /** `POST /auth/forgot` (only when self-service reset is on) */
  forgotPassword: {
    title: 'ForgotPasswordRequest',
    type: 'object',
    additionalProperties: false,
    description: 'Names the account by `login` or by `email`: exactly one of the two.',
    properties: {
      login: { type: 'string', minLength: 1, maxLength: 1024, description: 'The account’s login, as it was stored (after the host’s normalization).' },
      email: { type: 'string', minLength: 1, maxLength: 320, description: 'The account’s email address, matched exactly as stored (after the host’s normalization).' },
    },
    // Exactly one of the two: no other property is allowed, so one property means login or email.
    minProperties: 1,
    maxProperties: 1,
  },
} as const;

/** The name of one request body schema. */
export type RequestSchemaName = keyof typeof requestSchemas;
