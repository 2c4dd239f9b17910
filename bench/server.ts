/**
 * The server under test, run in a child process (forked by bench/run.ts) so the load generator
 * never shares its event loop. A host-like Express app: the password router on memory stores
 * behind a header authorizer, plus two host routes behind the same authorizer:
 *
 * - `POST /bare/users/:sid/password/reset`: authenticates, then does nothing (figure 1's baseline);
 * - `GET /rbac-api/v1/users/current`: authenticates and answers the caller's id (figure 2's cheap route);
 * - `POST /login` `{login, password}`: the host's sign-in on `verifyLogin` with the router's call
 *   context (the fairness figure), answering 200, 401, or the router's 429/503.
 *
 * Configured by one JSON argument; says `{type: 'listening', port}` over IPC, answers
 * `{type: 'stats'}` with the pool's counters, and exits when the parent goes away.
 */
import { availableParallelism } from 'node:os';
import bcrypt from 'bcryptjs';
import express, { type RequestHandler } from 'express';
import pg from 'pg';
import {
  MemoryTokenStore,
  MemoryUserStore,
  createBcryptHasher,
  createErrorHandler,
  createPasswordRouter,
  createWorkerPoolHasher,
  type Authorizer,
  type Hasher,
  type Principal,
  type TokenStore,
  type UserStore,
  type WorkerPoolHasher,
} from '../lib/index.ts';
import { DEFAULT_QUEUE_PER_WORKER } from '../lib/hashing/index.ts';
import { createPostgresStores } from '../lib/postgres/index.ts';
import { watchQueries } from './support/watch-queries.ts';

export interface ServerConfig {
  /** `default`: the router's own pool (size = availableParallelism()); `pool`: a pool of `poolSize`; `main`: bcryptjs on the main thread. */
  readonly hasher: 'default' | 'pool' | 'main';
  readonly poolSize?: number;
  readonly cost: number;
  /** Users who change their password (sessions `u0`, `u1`, ...). */
  readonly changers: number;
  /**
   * Whose share of the pool a request uses. `session` (default): the X-Authentication session,
   * i.e. each user, as when every user signs in from an address of their own; `address`: the
   * router's default, the client address; `single`: one key for everyone and a per-key bound
   * equal to the whole queue, which is exactly the FIFO pool of before fair scheduling.
   */
  readonly keying?: 'session' | 'address' | 'single';
  /**
   * Self-service reset on (the forgot-timing figure): lookups take `FORGOT_LOOKUP_MS`, like a
   * database round trip, and `sendResetLink` takes `FORGOT_SEND_MS`, like an SMTP exchange.
   */
  readonly forgot?: boolean;
  /**
   * PostgreSQL stores instead of memory ones (figure 1's PostgreSQL rows): `createPostgresStores`
   * on a `pg` Pool of `url`, in a schema of its own (`schema`, created here, dropped by the parent).
   * Every statement sent on a pooled connection is counted; `{type: 'queries'}` answers the count.
   */
  readonly postgres?: { readonly url: string; readonly schema: string };
  /** Target users besides `TARGET_USER_ID` (ids `targetUserId(1)`, ...): figure 1 on PostgreSQL spreads its issues over them. */
  readonly extraTargets?: number;
}

export const TOKEN_KEY = 'bench-secret-that-is-at-least-32-bytes-long!!';
export const PASSWORDS = ['Bench-Password-A1!', 'Bench-Password-B2?'] as const;
export const ADMIN_SESSION = 'admin';
export const TARGET_USER_ID = '00000000-0000-4000-8000-000000000001';
export const TARGET_LOGIN = 'bench-target';
export const FORGOT_LOOKUP_MS = 2;

/** The id of target user `i` (0 is `TARGET_USER_ID`). */
export function targetUserId(i: number): string {
  return `00000000-0000-4000-8000-${(i + 1).toString().padStart(12, '0')}`;
}
export const FORGOT_SEND_MS = 100;

interface BenchPrincipal extends Principal {
  readonly canReset: boolean;
}

/** A `pg` Pool whose every statement (BEGIN and COMMIT included) is counted. */
function countingPool(url: string): { pool: pg.Pool; queries: () => number } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  let count = 0;
  watchQueries(pool, () => {
    count += 1;
  });
  return { pool, queries: () => count };
}

export async function startServer(config: ServerConfig): Promise<{ port: number; stats: () => unknown; queries: () => number }> {
  // One hash of the first password, shared by every changer (computed once: a cost-12 hash is slow).
  const initialHash = bcrypt.hashSync(PASSWORDS[0], config.cost);
  const memoryUsers = new MemoryUserStore();
  const sessions = new Map<string, BenchPrincipal>();
  let users: UserStore = memoryUsers;
  let tokenStore: TokenStore = new MemoryTokenStore();
  let queries = () => 0;
  if (config.postgres === undefined) {
    const admin = memoryUsers.createUser({ login: 'bench-admin', passwordHash: initialHash });
    sessions.set(ADMIN_SESSION, { userId: admin.id, canReset: true });
    memoryUsers.createUser({ id: TARGET_USER_ID, login: TARGET_LOGIN, passwordHash: initialHash, email: 'target@example.com' });
    for (let i = 1; i <= (config.extraTargets ?? 0); i += 1) {
      memoryUsers.createUser({ id: targetUserId(i), login: `${TARGET_LOGIN}-${i}`, passwordHash: initialHash });
    }
    for (let i = 0; i < config.changers; i += 1) {
      const user = memoryUsers.createUser({ login: `bench-user-${i}`, passwordHash: initialHash });
      sessions.set(`u${i}`, { userId: user.id, canReset: false });
    }
  } else {
    const counting = countingPool(config.postgres.url);
    await counting.pool.query(`CREATE SCHEMA "${config.postgres.schema}"`);
    const stores = createPostgresStores(counting.pool, { schema: config.postgres.schema, createUsersTable: true });
    await stores.migrate();
    const admin = await stores.userStore.createUser({ login: 'bench-admin', passwordHash: initialHash });
    sessions.set(ADMIN_SESSION, { userId: admin.id, canReset: true });
    await stores.userStore.createUser({ id: TARGET_USER_ID, login: TARGET_LOGIN, passwordHash: initialHash, email: 'target@example.com' });
    const extra = Array.from({ length: config.extraTargets ?? 0 }, (_, i) => i + 1);
    // Ten at a time, as the pool's ten connections allow.
    for (let i = 0; i < extra.length; i += 10) {
      await Promise.all(extra.slice(i, i + 10).map((n) => stores.userStore.createUser({ id: targetUserId(n), login: `${TARGET_LOGIN}-${n}`, passwordHash: initialHash })));
    }
    for (let i = 0; i < config.changers; i += 1) {
      const user = await stores.userStore.createUser({ login: `bench-user-${i}`, passwordHash: initialHash });
      sessions.set(`u${i}`, { userId: user.id, canReset: false });
    }
    users = stores.userStore;
    tokenStore = stores.tokenStore;
    queries = counting.queries;
  }

  const authorizer: Authorizer<BenchPrincipal> = {
    authenticate: (req) => sessions.get(req.get('x-authentication') ?? '') ?? null,
    canResetPassword: (principal) => principal.canReset,
  };

  const keying = config.keying ?? 'session';
  const size = config.poolSize ?? availableParallelism();
  // One key that may fill the whole queue: the pool behaves as the single FIFO queue it was.
  const fifo = keying === 'single' ? { maxQueuePerKey: size * DEFAULT_QUEUE_PER_WORKER } : {};
  let hasher: Hasher | undefined;
  if (config.hasher === 'main') hasher = createBcryptHasher({ cost: config.cost });
  if (config.hasher === 'pool' || keying === 'single') hasher = createWorkerPoolHasher({ cost: config.cost, size, ...fifo });
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // A store whose login lookup costs a round trip, as a database's would.
  const slowLookups = Object.assign(Object.create(memoryUsers) as MemoryUserStore, {
    findByLogin: async (login: string) => {
      await wait(FORGOT_LOOKUP_MS);
      return memoryUsers.findByLogin(login);
    },
  });
  const router = createPasswordRouter<BenchPrincipal>({
    userStore: config.forgot === true ? slowLookups : users,
    ...(config.forgot === true
      ? {
          publicUrl: 'http://127.0.0.1/reset-password',
          sendResetLink: async () => {
            await wait(FORGOT_SEND_MS);
          },
          // Every request for the known account does the whole work (token, mail), not a cooldown skip.
          resetLinkCooldownSeconds: 0,
          maxPendingResetLinks: 100_000,
        }
      : {}),
    tokenStore,
    authorizer,
    tokenKey: TOKEN_KEY,
    // History compares would add bcrypt work per change; with 0, a change is exactly 1 verify + 1 hash.
    policy: { passwordHistory: 0 },
    // A failed change would count towards lockout; the bench never sends a wrong password.
    failedAttemptsLockout: 0,
    ...(hasher === undefined ? { bcryptCost: config.cost } : { hasher }),
    ...(keying === 'address' ? {} : { hashFairnessKey: keying === 'single' ? () => 'everyone' : (req) => req.get('x-authentication') }),
  });

  // The host's own authentication middleware, over the same Authorizer the router uses.
  const authenticate: RequestHandler = (req, res, next) => {
    Promise.resolve(authorizer.authenticate(req)).then((principal) => {
      if (principal === null) {
        res.status(401).json({ kind: 'user-unauthenticated' });
        return;
      }
      res.locals['principal'] = principal;
      next();
    }, next);
  };

  const app = express();
  app.disable('x-powered-by');
  app.get('/rbac-api/v1/users/current', authenticate, (_req, res) => {
    res.json({ id: (res.locals['principal'] as BenchPrincipal).userId });
  });
  app.use('/rbac-api/v1', router);
  const bare = express.Router();
  bare.post('/users/:sid/password/reset', authenticate, (_req, res) => {
    res.status(200).type('text/plain').send('ok');
  });
  app.use('/bare', bare);
  app.post('/login', express.json(), (req, res, next) => {
    const { login, password } = req.body as { login: string; password: string };
    router.service.verifyLogin(login, password, router.callContext(req)).then((result) => {
      res.status(result.ok ? 200 : 401).json({ ok: result.ok });
    }, next);
  });
  // The control of the forgot-timing figure: the same work, awaited before answering (what the route must not do).
  app.post('/awaited/auth/forgot', express.json(), (req, res, next) => {
    router.service.requestResetLink({ login: String(req.body?.login) }).then(() => res.status(202).json({ msg: 'sent' }), next);
  });
  app.use(createErrorHandler());

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const pool = (hasher ?? router.service.hasher) as Partial<WorkerPoolHasher>;
  return { port: address.port, stats: () => pool.stats ?? null, queries };
}

// Run as a child: `tsx bench/server.ts '<json config>'` (forked with IPC).
if (process.send !== undefined && process.argv[2] !== undefined) {
  const config = JSON.parse(process.argv[2]) as ServerConfig;
  const { port, stats, queries } = await startServer(config);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') process.send?.({ type: 'stats', stats: stats() });
    if (message.type === 'queries') process.send?.({ type: 'queries', count: queries() });
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'listening', port });
}
