/**
 * Compile-time tests of the public types, checked by `npm run typecheck` (tsc, never run).
 * Each `@ts-expect-error` must stay an error: if a type loosens, tsc reports the unused directive.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Request } from 'express';
import type { PostgresTokenStore, PostgresUserStore } from '../../lib/postgres/index.ts';
import {
  checkLoginRules,
  createJsonBody,
  DEFAULTS,
  type OptionProblemCode,
  type PasswordOptionsError,
  type PasswordService,
  createPasswordRouter,
  pbkdf2Verifier,
  verifier,
  type LegacyHashesOption,
  type Argon2idHasherOptions,
  type NotifyPasswordChanged,
  type PasswordChangeNotice,
  MemoryTokenStore,
  MemoryUserStore,
  type Authorizer,
  type LoginRuleId,
  type LoginValidation,
  type OutstandingResetToken,
  type PasswordRuleId,
  type PasswordRouterOptions,
  type PasswordUser,
  type Principal,
  type TokenStore,
  type UserStore,
} from '../../lib/index.ts';
import { createOpenApiDocument, type OpenApiDocumentOptions } from '../../lib/openapi/index.ts';

const user: PasswordUser = { id: '6f1c2d1e-7f3a-4b5c-9d8e-0a1b2c3d4e5f', login: 'alice', passwordHash: null, isRemote: false, isRevoked: false };

// A host's UserStore with only the required members compiles, sync or async.
export const minimalSyncStore: UserStore = {
  findById: () => user,
  setPassword: () => true,
};
export const minimalAsyncStore: UserStore = {
  findById: async () => user,
  setPassword: async () => true,
  getPasswordHistory: async () => [],
  recordFailedAttempt: () => null,
  clearFailedAttempts: async () => {},
};

// @ts-expect-error setPassword is required
export const storeWithoutSetPassword: UserStore = { findById: () => user };

// @ts-expect-error findById is required
export const storeWithoutFindById: UserStore = { setPassword: () => true };

export const storeWithWrongReturn: UserStore = {
  // @ts-expect-error findById answers a user or null, not a string
  findById: () => 'alice',
  setPassword: () => true,
};

// A host class missing a member fails where it claims to implement the interface.
// @ts-expect-error revokeForUser is required
export class IncompleteTokenStore implements TokenStore {
  issue(): void {}
  find(): null {
    return null;
  }
  redeem(): Promise<null> {
    return Promise.resolve(null);
  }
}

// redeem must return a promise: the claim and the password write are asynchronous by contract.
export const syncRedeem: TokenStore = {
  issue: () => {},
  find: () => null,
  // @ts-expect-error redeem returns a Promise, not a bare value
  redeem: () => null,
  revokeForUser: async () => {},
};

// The outstanding-token members are optional, sync or async, and answer records and a count.
export const outstandingTokenStore: TokenStore = {
  issue: () => {},
  find: () => null,
  redeem: async () => null,
  revokeForUser: async () => {},
  listOutstanding: () => [],
  revokeOutstanding: async () => 0,
};
export const badRevokeOutstanding: TokenStore = {
  ...outstandingTokenStore,
  // @ts-expect-error revokeOutstanding answers how many it revoked, not a boolean
  revokeOutstanding: () => true,
};
// What the service lists: metadata with a handle and a kind, and no token or id to redeem with.
export const listedToken: OutstandingResetToken = { handle: 'h', issuedAt: new Date(), expiresAt: new Date(), issuedBy: null, kind: 'self-service' };
// @ts-expect-error the kind is admin or self-service
export const badKind: OutstandingResetToken = { ...listedToken, kind: 'lockout' };
// @ts-expect-error there is no token on a listed entry
export const withToken: OutstandingResetToken = { ...listedToken, token: 'x' };

// Authorizer members may be sync or async, and the principal type flows to canResetPassword.
interface HostPrincipal extends Principal {
  readonly roles: readonly string[];
}
export const syncAuthorizer: Authorizer<HostPrincipal> = {
  authenticate: (req: Request) => (req.get('x-authentication') === undefined ? null : { userId: user.id, roles: ['admin'] }),
  canResetPassword: (principal) => principal.roles.includes('admin'),
};
export const asyncAuthorizer: Authorizer<HostPrincipal> = {
  authenticate: async () => ({ userId: user.id, roles: [] }),
  canResetPassword: async (principal, target) => principal.userId !== target.id,
};
// canCreateUsers is optional, and sees the host's principal type.
export const creatingAuthorizer: Authorizer<HostPrincipal> = {
  ...syncAuthorizer,
  canCreateUsers: async (principal) => principal.roles.includes('user-admin'),
};
export const badCreatingAuthorizer: Authorizer<HostPrincipal> = {
  ...syncAuthorizer,
  // @ts-expect-error canCreateUsers answers a boolean
  canCreateUsers: () => 'yes',
};

// validateLogin answers the failures with login rule ids.
export async function validateLoginTypes(): Promise<void> {
  const { service } = createPasswordRouter({ ...required });
  const answer: LoginValidation = await service.validateLogin('new-user');
  const ids: readonly LoginRuleId[] = answer.failures.map((f) => f.rule);
  // @ts-expect-error a login rule id is not a password rule id
  const asPasswordRule: PasswordRuleId = ids[0] as LoginRuleId;
  void asPasswordRule;
  void checkLoginRules('new-user', service.policy);
}

export const principalWithoutUserId: Authorizer = {
  // @ts-expect-error the principal carries the id of its user
  authenticate: () => ({ id: user.id }),
  canResetPassword: () => true,
};

const required = {
  userStore: new MemoryUserStore(),
  tokenStore: new MemoryTokenStore(),
  authorizer: syncAuthorizer,
  tokenKey: 'a-secret-of-at-least-thirty-two-bytes!',
} as const;

export const goodOptions: PasswordRouterOptions<HostPrincipal> = { ...required, passwordResetExpiration: 0.5, lockout: { mode: 'temporary', maxDelaySeconds: 600 } };

export function misspelledOptions(): void {
  // Excess property checks on the object literal catch misspelled keys at compile time
  // (createPasswordRouter also throws at run time, with a "did you mean" suggestion).
  createPasswordRouter({
    ...required,
    // @ts-expect-error misspelled: passwordResetExpiration
    passwordResetExpirations: 24,
  });
  createPasswordRouter({
    ...required,
    // @ts-expect-error misspelled: tokenKey is given, tokenkey is not an option
    tokenkey: 'x',
  });
  // @ts-expect-error tokenKey is required
  createPasswordRouter({ userStore: required.userStore, tokenStore: required.tokenStore, authorizer: required.authorizer });
  createPasswordRouter({
    ...required,
    // @ts-expect-error an unknown lockout mode
    lockout: { mode: 'forever' },
  });
}

// The OpenAPI options are checked the same way.
export const openApiOptions: OpenApiDocumentOptions = { errorNamespace: 'acme/' };
// @ts-expect-error misspelled: errorNamespace
createOpenApiDocument({ errorNamespce: 'acme/' });

// legacyHashes takes built-in names and verifier objects; anything else is a type error.
const sha256Loop = verifier({
  scheme: 'sha256-loop',
  recognizes: (hash) => hash.startsWith('sha256-loop$'),
  verify: async (password, hash, tools) => tools.equal(await tools.iteratedDigest({ algorithm: 'sha256', password, salt: Buffer.from(hash), iterations: 10 }), Buffer.alloc(32)),
});
export const legacy: LegacyHashesOption = ['pbkdf2', 'scrypt', 'argon2id', 'bcrypt', sha256Loop, pbkdf2Verifier({ maxIterations: 5_000_000 })];
// @ts-expect-error md5 is no built-in scheme
export const legacyBad: LegacyHashesOption = ['md5'];
verifier({
  scheme: 'x',
  recognizes: () => true,
  // @ts-expect-error iteratedDigest knows sha256 and sha512 only
  verify: async (password, _hash, tools) => (await tools.iteratedDigest({ algorithm: 'md5', password, salt: Buffer.alloc(1), iterations: 1 })).length > 0,
});

// PasswordService, PostgresUserStore and PostgresTokenStore are types only: the factories make them.
export function serviceOf(router: ReturnType<typeof createPasswordRouter>): PasswordService {
  return router.service;
}
// @ts-expect-error PasswordService is exported as a type, not a constructor
export const constructedService = new PasswordService({} as never);
// @ts-expect-error PostgresUserStore is exported as a type, not a constructor
export const constructedStore = new PostgresUserStore({} as never, {} as never);
export type StoresAreTyped = [PostgresUserStore, PostgresTokenStore];

// createJsonBody takes any validator of our own shape; an ajv ValidateFunction fits it.
export const ajvValidator: ValidateFunction = new Ajv().compile({ type: 'object' });
createJsonBody()(ajvValidator);
createJsonBody()(Object.assign((body: unknown) => typeof body === 'object', { errors: null }));

// Option problems carry stable codes.
export function codesOf(error: PasswordOptionsError): readonly OptionProblemCode[] {
  return error.problems.map((p) => p.code);
}
// @ts-expect-error not an option problem code
export const badCode: OptionProblemCode = 'unknown';
// @ts-expect-error DEFAULTS is read-only
DEFAULTS.bcryptCost = 4;

// The argon2id hasher's options are its own; a bcrypt cost is not one of them.
export const argon2Options: Argon2idHasherOptions = { memoryCost: 19_456, timeCost: 2, parallelism: 1, size: 2, jobTimeoutMs: 1000 };
// @ts-expect-error createArgon2idHasher takes no bcrypt cost
export const argon2WithCost: Argon2idHasherOptions = { cost: 12 };

// A notice says how (no 'upgrade': silent hash upgrades are not announced), and carries no password or token.
export const notify: NotifyPasswordChanged = (_user, { email, how, at }) => void `${email ?? '-'} ${how} ${at.toISOString()}`;
// @ts-expect-error a silent hash upgrade is never a notice
export const upgradeNotice: PasswordChangeNotice = { email: null, how: 'upgrade', at: new Date(), requestId: null };
