/**
 * Login-helper timing: does `verifyLogin` take as long for an unknown login as for a known one
 * with a wrong password (which pays a failed-attempt write), and for a revoked account?
 * Run: npx tsx bench/login-timing.ts [--store memory|pglite|postgres] [--cost 12] [--rounds 5] [--per-round 10]
 * (`postgres` uses DATABASE_URL, in a schema of its own dropped afterwards.)
 * Prints per-case medians (ms), the difference to a known login with a wrong password, and the
 * ratio. "unknown login, no store round trip" is the code before the fix (an unknown login did
 * only the dummy compare), measured side by side through a second service with counting off.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MemoryTokenStore, MemoryUserStore, createPasswordService, type TokenStore, type UserStore } from '../lib/index.ts';
import { createPostgresStores } from '../lib/postgres/index.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory' },
    cost: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '5' },
    'per-round': { type: 'string', default: '10' },
  },
});
const cost = Number(values.cost);
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);
const PASSWORD = 'Correct-Horse-42-Battery';

interface BenchStores {
  readonly userStore: UserStore;
  readonly tokenStore: TokenStore;
  createUser(login: string, passwordHash: string): Promise<{ id: string }>;
  close(): Promise<void>;
}

async function openStores(kind: string | undefined): Promise<BenchStores> {
  if (kind === 'memory') {
    const users = new MemoryUserStore();
    return {
      userStore: users,
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      createUser: async (login, passwordHash) => users.createUser({ login, passwordHash }),
      close: async () => {},
    };
  }
  const schema = `bench_login_${randomBytes(4).toString('hex')}`;
  let db: { query(sql: string): Promise<unknown> };
  let end: () => Promise<void>;
  if (kind === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const lite = new PGlite();
    db = lite;
    end = () => lite.close();
  } else if (kind === 'postgres') {
    if (process.env['DATABASE_URL'] === undefined) throw new Error('--store postgres needs DATABASE_URL');
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 4 });
    db = pool;
    end = () => pool.end();
  } else throw new Error('--store must be memory, pglite or postgres');
  await db.query(`CREATE SCHEMA ${schema}`);
  const stores = createPostgresStores(db as Parameters<typeof createPostgresStores>[0], { schema, createUsersTable: true });
  await stores.migrate();
  return {
    userStore: stores.userStore,
    tokenStore: stores.tokenStore,
    createUser: (login, passwordHash) => stores.userStore.createUser({ login, passwordHash }),
    close: async () => {
      await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await end();
    },
  };
}

const stores = await openStores(values.store);
const options = {
  userStore: stores.userStore,
  tokenStore: stores.tokenStore,
  authorizer: { authenticate: () => null, canResetPassword: () => false },
  tokenKey: 'bench-secret-bench-secret-bench-secret',
  bcryptCost: cost,
};
// Counting stays on, but high enough that the known account never locks during the run.
const service = createPasswordService({ ...options, failedAttemptsLockout: 1000 });
// The code before the fix, for unknown logins: the dummy compare and no store call.
const before = createPasswordService({ ...options, failedAttemptsLockout: 0 });
await stores.createUser('alice', await service.hashPassword(PASSWORD));
const revoked = await stores.createUser('rita', await service.hashPassword(PASSWORD));
await stores.userStore.setRevoked?.(revoked.id, true);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function time(which: typeof service, login: string, password: string): Promise<number> {
  const start = process.hrtime.bigint();
  await which.verifyLogin(login, password);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm up: the dummy hash for unknown logins is made on first use, and workers start lazily.
for (const which of [service, before]) {
  await time(which, 'nobody', 'x');
  await time(which, 'alice', 'wrong');
}

const cases: Record<string, readonly [typeof service, string, string]> = {
  'known login, wrong password': [service, 'alice', 'Wrong-Password-1!'],
  'unknown login': [service, 'nobody', 'Wrong-Password-1!'],
  'unknown login, no store round trip (before the fix)': [before, 'nobody', 'Wrong-Password-1!'],
  'revoked account, right password': [service, 'rita', PASSWORD],
  'known login, right password': [service, 'alice', PASSWORD],
};
const roundMedians: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, [which, login, password]] of Object.entries(cases)) {
    const samples: number[] = [];
    // Interleaved rounds, so drift in machine load hits every case alike.
    for (let i = 0; i < perRound; i++) samples.push(await time(which, login, password));
    roundMedians[name] = [...(roundMedians[name] ?? []), median(samples)];
  }
}
await service.close();
await before.close();
await stores.close();
const reference = median(roundMedians['known login, wrong password'] ?? []);
console.log(`verifyLogin on ${values.store} at bcrypt cost ${cost}, ${rounds} rounds x ${perRound} calls, Node ${process.version}`);
console.log('| case | median of round medians (ms) | minus known login, wrong password (ms) | ratio to it |');
console.log('|---|---|---|---|');
for (const name of Object.keys(cases)) {
  const m = median(roundMedians[name] ?? []);
  console.log(`| ${name} | ${m.toFixed(2)} | ${(m - reference).toFixed(2)} | ${(m / reference).toFixed(3)} |`);
}
