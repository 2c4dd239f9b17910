/**
 * The OpenAPI 3.1 document of the router's routes, built from the same schema modules the
 * router enforces (`request-schemas.ts`) and answers with (`response-schemas.ts`).
 */
import { DEFAULTS } from '../config/defaults.ts';
import { ERROR_KINDS, type ErrorKind } from '../errors.ts';
import { requestSchemas } from './request-schemas.ts';
import {
  errorKindSchema,
  errorSchema,
  loginFailureSchema,
  loginValidationSchema,
  messageSchema,
  outstandingResetTokenSchema,
  outstandingResetTokensSchema,
  passwordValidationSchema,
  policyFailureSchema,
  resetTokenSchema,
  revokedResetTokensSchema,
} from './response-schemas.ts';

/** The library version the document describes (kept equal to package.json by a test). */
export const OPENAPI_DOCUMENT_VERSION = '0.1.0';

/** A JSON value, as found in the document. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** An OpenAPI 3.1 document (only the top-level fields are typed; the rest is plain JSON). */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly jsonSchemaDialect: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string; readonly license: { readonly name: string; readonly identifier: string } };
  readonly servers: readonly { readonly url: string; readonly description?: string }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: { readonly [path: string]: { readonly [method: string]: JsonValue } };
  readonly components: {
    readonly schemas: { readonly [name: string]: JsonValue };
    readonly headers: { readonly [name: string]: JsonValue };
    readonly securitySchemes: { readonly [name: string]: JsonValue };
  };
}

/** How a host adapts the document to its own mounting. Every field is optional. */
export interface OpenApiDocumentOptions {
  /** The router's `errorNamespace`, the prefix of every error `kind`. Default `puppetlabs.rbac/`. */
  readonly errorNamespace?: string;
  /** Where the router is mounted. Default `/rbac-api/v1`, as the reference server does. */
  readonly serverUrl?: string;
  /**
   * How callers authenticate. The library leaves authentication to the host's `Authorizer`; the
   * default describes the reference server's `X-Authentication` header. A host that
   * authenticates otherwise (cookies, bearer tokens) passes its own schemes here; every
   * authenticated operation then requires any one of them.
   */
  readonly securitySchemes?: { readonly [name: string]: JsonValue };
  /**
   * Whether the router serves `POST /auth/forgot` (the host passed `sendResetLink`). Default false:
   * the route is then not mounted, and not described.
   */
  readonly selfServiceReset?: boolean;
  /**
   * Whether the router serves `POST /auth/change-password` (the user store has `findByLogin`).
   * Default true.
   */
  readonly changePasswordWithLogin?: boolean;
}

const DEFAULT_SECURITY_SCHEMES = {
  xAuthentication: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Authentication',
    description:
      'The reference server’s session token. The library itself does not fix how callers authenticate: the host’s `Authorizer.authenticate(req)` decides, so hosts describe their own scheme.',
  },
} as const;

const JSON_TYPE = 'application/json';

function pascal(kind: string): string {
  return kind.replace(/(^|-)([a-z])/g, (_m, _dash: string, letter: string) => letter.toUpperCase());
}

/** The component name of an error kind's schema, e.g. `SchemaViolationError`. */
export function errorComponentName(kind: ErrorKind): string {
  return `${pascal(kind)}Error`;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Builds the document; `openApiDocument` is this with the defaults. */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  const namespace = options.errorNamespace ?? DEFAULTS.errorNamespace;
  const securitySchemes = options.securitySchemes ?? DEFAULT_SECURITY_SCHEMES;
  const authenticated = Object.keys(securitySchemes).map((name) => ({ [name]: [] }));

  const noStore = { 'Cache-Control': headerRef('CacheControl') };
  const ok = (description: string, content: object) => ({ description, headers: noStore, content });
  const error = (description: string, kinds: readonly ErrorKind[], extraHeaders: object = {}) => ({
    description,
    headers: { ...noStore, ...extraHeaders },
    content: { [JSON_TYPE]: { schema: kinds.length === 1 ? ref(errorComponentName(kinds[0] as ErrorKind)) : { oneOf: kinds.map((k) => ref(errorComponentName(k))) } } },
  });
  const retryAfter = { 'Retry-After': headerRef('RetryAfter') };

  const serverErrors = {
    '500': error('An unexpected error; the message is generic.', ['server-error']),
    '503': error(
      'A store, the authorizer or the password hasher is unavailable or busy, or the breached-password check failed with `onError: refuse`; retry after `Retry-After` seconds.',
      ['server-error'],
      retryAfter,
    ),
  };
  const unauthenticated = {
    '401': error(
      'No valid credentials (`user-unauthenticated`), or the caller’s account is revoked (`user-revoked`) or temporarily locked (`user-locked`, with `Retry-After`).',
      ['user-unauthenticated', 'user-revoked', 'user-locked'],
      { 'Retry-After': { description: 'With `user-locked`: seconds until the lock ends.', schema: { type: 'string', pattern: '^[1-9][0-9]*$' } } },
    ),
  };
  const tooLarge = { '413': error('The body is larger than the router’s `bodyLimit`.', ['request-too-large']) };
  const tooManyHashes = {
    '429': error(
      'This client (the router’s `hashFairnessKey`, by default the client address) already has its share of password work waiting; retry after `Retry-After` seconds. Other clients are still served.',
      ['too-many-requests'],
      retryAfter,
    ),
  };
  const body = (name: string) => ({ required: true, content: { [JSON_TYPE]: { schema: ref(name) } } });
  const message = (description: string) => ok(description, { [JSON_TYPE]: { schema: ref('Message') } });

  const sidParameter = { name: 'sid', in: 'path', required: true, description: 'The user’s id (a UUID).', schema: { type: 'string', format: 'uuid' } };
  const outstandingIntro =
    'Needs the permission to issue this user a token (`users:reset_password:<sid>`, the host’s `Authorizer.canResetPassword`). Served when the token store has `listOutstanding` and `revokeOutstanding`; otherwise 501.';
  const outstandingRace =
    'Against a redemption of the same token at the same time exactly one wins: the token is counted as revoked and the reset fails, or the reset succeeds and the token is not counted.';
  const outstandingErrors = (notFound: string, withHandle = false) => ({
    '400': error(
      withHandle
        ? '`sid` is not a UUID (`invalid-uuid`), the handle is not one (`malformed-request`), or the request could not be read (`malformed-request`).'
        : '`sid` is not a UUID (`invalid-uuid`), or the request could not be read (`malformed-request`).',
      ['invalid-uuid', 'malformed-request'],
    ),
    ...unauthenticated,
    '403': error('The caller may not reset this user’s password.', ['permission-denied']),
    '404': error(notFound, ['not-found']),
    '501': error('The token store has no `listOutstanding` / `revokeOutstanding`.', ['not-implemented']),
    ...serverErrors,
  });

  const schemas: Record<string, object> = {
    ResetPasswordRequest: requestSchemas.resetPassword,
    ChangePasswordRequest: requestSchemas.changePassword,
    ...(options.changePasswordWithLogin === false ? {} : { ChangePasswordWithLoginRequest: requestSchemas.changePasswordWithLogin }),
    ValidatePasswordRequest: requestSchemas.validatePassword,
    ValidateLoginRequest: requestSchemas.validateLogin,
    ...(options.selfServiceReset === true ? { ForgotPasswordRequest: requestSchemas.forgotPassword } : {}),
    Message: messageSchema,
    ResetToken: resetTokenSchema,
    OutstandingResetToken: outstandingResetTokenSchema,
    OutstandingResetTokens: outstandingResetTokensSchema,
    RevokedResetTokens: revokedResetTokensSchema,
    PasswordValidation: passwordValidationSchema,
    PolicyFailure: policyFailureSchema,
    LoginValidation: loginValidationSchema,
    LoginFailure: loginFailureSchema,
    Error: errorSchema(),
  };
  for (const kind of Object.keys(ERROR_KINDS) as ErrorKind[]) schemas[errorComponentName(kind)] = errorKindSchema(namespace, kind);

  const paths = {
    '/users/{sid}/password/reset': {
      post: {
        operationId: 'issueResetToken',
        tags: ['passwords'],
        summary: 'Issue a password reset token for a local user',
        description:
          'Needs the `users:reset_password:<sid>` permission (the host’s `Authorizer.canResetPassword`). Issuing a token revokes the user’s older ones. The token is answered as `text/plain`, or as `{"token"}` (plus `link` when `publicUrl` is set) when the client accepts `application/json`.',
        security: authenticated,
        parameters: [{ name: 'sid', in: 'path', required: true, description: 'The user’s id (a UUID).', schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '200': ok('The reset token.', {
            'text/plain': { schema: { type: 'string', minLength: 1, description: 'The bare reset token.' } },
            [JSON_TYPE]: { schema: ref('ResetToken') },
          }),
          '400': error('`sid` is not a UUID (`invalid-uuid`), or the request could not be read, e.g. `sid` is not valid percent-encoding (`malformed-request`).', [
            'invalid-uuid',
            'malformed-request',
          ]),
          ...unauthenticated,
          '403': error('The caller may not reset this user’s password, or the user is remote (LDAP/SAML).', ['permission-denied']),
          '404': error('No user with this id.', ['not-found']),
          '409': error(
            'The new token was ended before it was handed out (a concurrent issue superseded it, a revoke or a password write ended it), or the password kept changing while it was issued; issue again.',
            ['conflict'],
          ),
          ...serverErrors,
        },
      },
    },
    '/users/{sid}/password/reset-tokens': {
      get: {
        operationId: 'listResetTokens',
        tags: ['passwords'],
        summary: 'List a user’s outstanding reset tokens (metadata only)',
        description: `${outstandingIntro} Lists the tokens that are not used, revoked or expired, oldest first: a handle, the kind, when issued and by whom, when it expires. Never the token, nor anything that can redeem it.`,
        security: authenticated,
        parameters: [sidParameter],
        responses: {
          '200': ok('The outstanding tokens.', { [JSON_TYPE]: { schema: ref('OutstandingResetTokens') } }),
          ...outstandingErrors('No user with this id.'),
        },
      },
      delete: {
        operationId: 'revokeResetTokens',
        tags: ['passwords'],
        summary: 'Revoke all of a user’s outstanding reset tokens',
        description: `${outstandingIntro} Revokes every outstanding token of the user and answers how many (0 when there were none). ${outstandingRace}`,
        security: authenticated,
        parameters: [sidParameter],
        responses: {
          '200': ok('How many tokens were revoked.', { [JSON_TYPE]: { schema: ref('RevokedResetTokens') } }),
          ...outstandingErrors('No user with this id.'),
        },
      },
    },
    '/users/{sid}/password/reset-tokens/{handle}': {
      delete: {
        operationId: 'revokeResetToken',
        tags: ['passwords'],
        summary: 'Revoke one outstanding reset token',
        description: `${outstandingIntro} Revokes the token the handle (from the list) names. ${outstandingRace}`,
        security: authenticated,
        parameters: [
          sidParameter,
          { name: 'handle', in: 'path', required: true, description: 'A handle from the list.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } },
        ],
        responses: {
          '200': ok('The token was revoked: `{"revoked": 1}`.', { [JSON_TYPE]: { schema: ref('RevokedResetTokens') } }),
          ...outstandingErrors('No user with this id, or the handle names no outstanding token of this user (unknown, or already used, expired or revoked).', true),
        },
      },
    },
    '/auth/reset': {
      post: {
        operationId: 'resetPassword',
        tags: ['passwords'],
        summary: 'Redeem a reset token and set a new password',
        description:
          'No authentication: the token is the credential. Sets the password, reinstates an account the failed-attempt lockout revoked or locked, and consumes the token. An account an administrator revoked stays revoked (the password is set all the same, and `msg` says so): only an administrator reinstates it. A reused password is refused without consuming the token, but each such refusal spends one of the token’s budget (`resetReuseRefusals`, default 5); the last one kills it. It never logs the user in: no cookie, session or auth token in the answer.',
        security: [],
        requestBody: body('ResetPasswordRequest'),
        responses: {
          '200': message('The password has been reset.'),
          '400': error('Not JSON (`malformed-request`), not matching the schema (`schema-violation`), or breaking the password policy (`password-policy-violation`).', [
            'malformed-request',
            'schema-violation',
            'password-policy-violation',
          ]),
          '403': error('The token is used, expired, superseded, revoked with its account, spent by reused-password refusals, tampered with, or not ours.', ['invalid-token']),
          ...tooLarge,
          ...tooManyHashes,
          ...serverErrors,
        },
      },
    },
    '/users/current/password': {
      put: {
        operationId: 'changePassword',
        tags: ['passwords'],
        summary: 'Change the signed-in user’s own password',
        description: 'A wrong `current_password` counts as a failed attempt toward the lockout.',
        security: authenticated,
        requestBody: body('ChangePasswordRequest'),
        responses: {
          '200': message('The password has been changed.'),
          '400': error('Not JSON, not matching the schema, or breaking the password policy.', ['malformed-request', 'schema-violation', 'password-policy-violation']),
          ...unauthenticated,
          '403': error('The user is remote, has no local account, or `current_password` is wrong; `msg` names which.', ['permission-denied']),
          '409': error('The password was changed concurrently; retry.', ['conflict']),
          ...tooLarge,
          ...tooManyHashes,
          ...serverErrors,
        },
      },
    },
    '/command/validate-password': {
      post: {
        operationId: 'validatePassword',
        tags: ['passwords'],
        summary: 'Check a candidate password against the policy',
        description:
          'Checks the policy’s rules for the reset token’s user when `reset_token` is given (the token is not consumed; no other authentication is needed), else for the signed-in user, login included. It never compares against stored passwords: reuse of the current or an earlier password is checked only when the password is submitted.',
        security: [...authenticated, {}],
        requestBody: body('ValidatePasswordRequest'),
        responses: {
          '200': ok('Whether the password passes, and every rule it fails.', { [JSON_TYPE]: { schema: ref('PasswordValidation') } }),
          '400': error('Not JSON, or not matching the schema.', ['malformed-request', 'schema-violation']),
          ...unauthenticated,
          '403': error('`reset_token` is used, expired, superseded, tampered with, or not ours.', ['invalid-token']),
          ...tooLarge,
          ...serverErrors,
        },
      },
    },
    '/command/validate-login': {
      post: {
        operationId: 'validateLogin',
        tags: ['passwords'],
        summary: 'Check a proposed login against the login rules',
        description:
          'For user-creation forms. Checks length, control and invisible characters, leading or trailing whitespace, and that the login is in NFKC form. `login-taken` is reported only to callers the host’s `Authorizer.canCreateUsers` allows, and only when the other rules pass; no one else learns which logins exist.',
        security: authenticated,
        requestBody: body('ValidateLoginRequest'),
        responses: {
          '200': ok('Whether the login passes, and every rule it fails.', { [JSON_TYPE]: { schema: ref('LoginValidation') } }),
          '400': error('Not JSON, or not matching the schema.', ['malformed-request', 'schema-violation']),
          ...unauthenticated,
          ...tooLarge,
          ...serverErrors,
        },
      },
    },
  };

  const changeWithLogin = {
    '/auth/change-password': {
      post: {
        operationId: 'changePasswordWithLogin',
        tags: ['passwords'],
        summary: 'Change a password with the login and the current password (no session)',
        description:
          'The way out of `password-change-required` (a password older than `passwordMaxAgeDays`, or one an administrator asked to change), which starts no session; open to any local account, as it proves what a sign-in proves. An unknown login, a wrong current password and a revoked or locked account all answer the same 401 `user-unauthenticated` after the same work (with `revealAccountState`, `user-revoked` or `user-locked` as a sign-in tells them); a wrong current password counts toward the lockout. The policy, the breach check and the password history apply; the new password clears the change-required flag. It does not sign the user in.',
        security: [],
        requestBody: body('ChangePasswordWithLoginRequest'),
        responses: {
          '200': message('The password has been changed.'),
          '400': error('Not JSON, not matching the schema, or breaking the password policy.', ['malformed-request', 'schema-violation', 'password-policy-violation']),
          ...unauthenticated,
          '409': error('The password was changed concurrently; retry.', ['conflict']),
          ...tooLarge,
          ...tooManyHashes,
          ...serverErrors,
        },
      },
    },
  };

  const forgot = {
    '/auth/forgot': {
      post: {
        operationId: 'forgotPassword',
        tags: ['passwords'],
        summary: 'Ask for a reset link by email (self-service)',
        description:
          'Served only when the host configures `sendResetLink`. No authentication. The answer is the same 202 whether or not the account exists, is remote or revoked, has an email, or got a link within the cooldown, and it is sent before any lookup: the lookup, the token and the mail happen afterwards. The link goes to the email address stored for the account, with the token in its fragment; a newer link revokes older ones.',
        security: [],
        requestBody: body('ForgotPasswordRequest'),
        responses: {
          '202': ok('Accepted; a link is mailed if an account matches and may have one.', { [JSON_TYPE]: { schema: ref('Message') } }),
          '400': error(
            'Not JSON (`malformed-request`), not exactly one of `login` and `email` (`schema-violation`), or an identifier kind the host cannot look up (`malformed-request`).',
            ['malformed-request', 'schema-violation'],
          ),
          ...tooLarge,
          '500': serverErrors['500'],
        },
      },
    },
  };

  const document = {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'express-rbac-password',
      version: OPENAPI_DOCUMENT_VERSION,
      description:
        'The password endpoints of an RBAC service: issue a reset token, redeem it, change one’s own password, validate a candidate password or login. Paths are relative to where the host mounts the router. Errors are JSON `{"kind", "msg", "details"?}`; every answer carries `Cache-Control: no-store`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.serverUrl ?? '/rbac-api/v1', description: 'Where the host mounts the router.' }],
    tags: [{ name: 'passwords', description: 'Password reset, change and validation.' }],
    paths: { ...paths, ...(options.changePasswordWithLogin === false ? {} : changeWithLogin), ...(options.selfServiceReset === true ? forgot : {}) },
    components: {
      schemas,
      headers: {
        CacheControl: { description: 'Answers are never cached.', required: true, schema: { type: 'string', const: 'no-store' } },
        RetryAfter: { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
      },
      securitySchemes,
    },
  };
  // A deep copy through JSON: the document is plain data, detached from the schemas the router compiled.
  return JSON.parse(JSON.stringify(document)) as OpenApiDocument;
}

/** The document with the defaults: namespace `puppetlabs.rbac/`, mounted at `/rbac-api/v1`, `X-Authentication`. */
export const openApiDocument: OpenApiDocument = createOpenApiDocument();
