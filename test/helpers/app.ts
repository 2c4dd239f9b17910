/**
 * Builds a host app around the router for HTTP tests: memory stores, a header authorizer
 * (`X-Authentication: <session token>`), bcrypt cost 4 and a settable clock.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import {
  MemoryTokenStore,
  MemoryUserStore,
  createBcryptHasher,
  createPasswordRouter,
  type Authorizer,
  type MemoryUser,
  type PasswordRouterOptions,
  type Principal,
} from '../../lib/index.ts';
import { openApiRecorder } from './openapi-check.ts';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const GOOD_PASSWORD = 'Correct-Horse-42-Battery';
export const OTHER_GOOD_PASSWORD = 'Another-Strong-Pa55word!';

export interface TestPrincipal extends Principal {
  readonly canReset: boolean;
  /** Allowed to create users: sees `login-taken` on validate-login. The admin's session has it. */
  readonly canCreateUsers?: boolean;
}

export interface TestApp {
  readonly app: express.Express;
  readonly users: MemoryUserStore;
  readonly tokens: MemoryTokenStore;
  readonly router: ReturnType<typeof createPasswordRouter<TestPrincipal>>;
  /** The authorizer the router was given (tests mutate it to make it fail). */
  readonly authorizer: Authorizer<TestPrincipal>;
  readonly admin: MemoryUser;
  readonly alice: MemoryUser;
  readonly remote: MemoryUser;
  /** Session tokens, as the X-Authentication header value. */
  readonly auth: { readonly admin: string; readonly alice: string; readonly remote: string };
  /** Signs in any user id and returns the header value. */
  session(userId: string, canReset?: boolean, canCreateUsers?: boolean): string;
  /** Moves the clock. */
  advance(ms: number): void;
  now(): Date;
}

/** What every in-memory test starts from: memory stores (no sweeper), bcrypt cost 4, and a clock only `advance` moves. */
export function memoryBasics(start: string) {
  let clock = Date.parse(start);
  return {
    now: () => new Date(clock),
    advance: (ms: number) => {
      clock += ms;
    },
    hasher: createBcryptHasher({ cost: 4 }),
    users: new MemoryUserStore(),
    tokens: new MemoryTokenStore({ sweepIntervalMs: 0 }),
  };
}

type ExpressLike = typeof express;

/** A ready app; `overrides` are passed to createPasswordRouter. */
export async function createTestApp(overrides: Partial<PasswordRouterOptions<TestPrincipal>> = {}, expressModule: ExpressLike = express, mount = '/rbac-api/v1'): Promise<TestApp> {
  const { now, advance, hasher, users, tokens } = memoryBasics('2026-11-27T10:00:00Z');
  const admin = users.createUser({ login: 'admin', passwordHash: await hasher.hash(GOOD_PASSWORD) });
  const alice = users.createUser({ login: 'alice', passwordHash: await hasher.hash(GOOD_PASSWORD), email: 'alice@example.com' });
  const remote = users.createUser({ login: 'ldap-bob', isRemote: true });

  const sessions = new Map<string, TestPrincipal>();
  const session = (userId: string, canReset = false, canCreateUsers = false) => {
    const id = randomBytes(12).toString('hex');
    sessions.set(id, { userId, canReset, canCreateUsers });
    return id;
  };
  const authorizer: Authorizer<TestPrincipal> = {
    authenticate: (req) => sessions.get(req.get('x-authentication') ?? '') ?? null,
    canResetPassword: (principal) => principal.canReset,
    canCreateUsers: (principal) => principal.canCreateUsers === true,
  };
  const router = createPasswordRouter<TestPrincipal>({
    userStore: users,
    tokenStore: tokens,
    authorizer,
    tokenKey: SECRET,
    hasher,
    now,
    ...overrides,
  });
  const app = expressModule();
  // Every answer of the router is checked against the OpenAPI document (see openapi-check.ts).
  app.use(mount, openApiRecorder(overrides.errorNamespace), router);
  return {
    app: app as express.Express,
    users,
    tokens,
    router,
    authorizer: overrides.authorizer ?? authorizer,
    admin,
    alice,
    remote,
    auth: { admin: session(admin.id, true, true), alice: session(alice.id), remote: session(remote.id) },
    session,
    advance,
    now,
  };
}

/** Revokes a user the way the failed-attempt lockout does (kind 'lockout'), which a reset lifts. */
export function lockOut(t: TestApp, userId: string): void {
  t.users.recordFailedAttempt(userId, { threshold: 1, action: { mode: 'revoke' }, now: t.now() });
}

/** A snapshot of everything the memory stores hold, to prove a rejected request changed nothing. */
export function snapshot(t: TestApp): string {
  const userRows = t.users.listUsers().map((u) => ({ ...u, history: t.users.getPasswordHistory(u.id, 100) }));
  return JSON.stringify({ userRows, tokens: t.tokens.size });
}

/** A second app with its own router on the same stores (or others, through `options`): another instance of the host. */
export function siblingApp(t: TestApp, options: Partial<PasswordRouterOptions<TestPrincipal>>, mount = '/rbac-api/v1'): express.Express {
  const app = express();
  app.use(
    mount,
    createPasswordRouter<TestPrincipal>({
      userStore: t.users,
      tokenStore: t.tokens,
      authorizer: t.authorizer,
      hasher: createBcryptHasher({ cost: 4 }),
      now: t.now,
      tokenKey: SECRET,
      ...options,
    }),
  );
  return app;
}
