/**
 * What the deterministic race tests of issue 18 share: the three stores they run on (memory,
 * PGlite, a real PostgreSQL server from DATABASE_URL, skipped with the reason when unset) and a
 * bcrypt hasher whose next `verify` or `hash` runs a hook before it answers, so a competing
 * request slips in exactly there.
 */
import { after } from 'node:test';
import pg from 'pg';
import { createBcryptHasher, MemoryTokenStore, MemoryUserStore, PasswordApiError, type Hasher, type PasswordUser, type TokenStore, type UserStore } from '../../lib/index.ts';
import { closePglite, DATABASE_URL, SERVER_SKIP, sharedPglite, storesInFreshSchema } from './postgres-fixtures.ts';

/** The bcrypt hasher under the hooks (cost 4: fast, and still real bcrypt). */
export const inner = createBcryptHasher({ cost: 4 });

export interface RaceStores {
  readonly users: UserStore & { findById(id: string): Promise<PasswordUser | null> | PasswordUser | null };
  readonly tokens: TokenStore;
  createUser(login: string, passwordHash: string): Promise<PasswordUser>;
  cleanup(): Promise<void>;
}

const pools: pg.Pool[] = [];
after(async () => {
  for (const pool of pools) await pool.end();
  await closePglite();
});

export const RACE_STORES: readonly { name: string; skip: false | string; open(): Promise<RaceStores> }[] = [
  {
    name: 'memory',
    skip: false,
    open: async () => {
      const users = new MemoryUserStore();
      return {
        users,
        tokens: new MemoryTokenStore({ sweepIntervalMs: 0 }),
        createUser: async (login, passwordHash) => users.createUser({ login, passwordHash }),
        cleanup: async () => {},
      };
    },
  },
  {
    name: 'PGlite',
    skip: false,
    open: async () => {
      const { stores, cleanup } = await storesInFreshSchema(await sharedPglite());
      return { users: stores.userStore, tokens: stores.tokenStore, createUser: (login, passwordHash) => stores.userStore.createUser({ login, passwordHash }), cleanup };
    },
  },
  {
    name: 'PostgreSQL server',
    skip: SERVER_SKIP,
    open: async () => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
      pools.push(pool);
      const { stores, cleanup } = await storesInFreshSchema(pool);
      return { users: stores.userStore, tokens: stores.tokenStore, createUser: (login, passwordHash) => stores.userStore.createUser({ login, passwordHash }), cleanup };
    },
  },
];

export type HookedHasher = Hasher & { onNextVerify(hook: () => Promise<unknown>): void; onNextHash(hook: () => Promise<unknown>): void };

/** A bcrypt hasher whose next `verify` (or `hash`) runs `hook` before it answers. */
export function hookedHasher(): HookedHasher {
  let verifyHook: (() => Promise<unknown>) | undefined;
  let hashHook: (() => Promise<unknown>) | undefined;
  return {
    maxPasswordBytes: 72,
    async hash(password) {
      const hashed = await inner.hash(password);
      const hook = hashHook;
      hashHook = undefined;
      await hook?.();
      return hashed;
    },
    async verify(password, hash) {
      const match = await inner.verify(password, hash);
      const hook = verifyHook;
      verifyHook = undefined;
      await hook?.();
      return match;
    },
    onNextVerify: (hook) => {
      verifyHook = hook;
    },
    onNextHash: (hook) => {
      hashHook = hook;
    },
  };
}

/** Runs `body` on a freshly opened set of `stores`, and cleans up after it whatever happens. */
export async function inStores(stores: { open(): Promise<RaceStores> }, body: (setup: RaceStores) => Promise<void>): Promise<void> {
  const setup = await stores.open();
  try {
    await body(setup);
  } finally {
    await setup.cleanup();
  }
}

/** `'ok'` when `call` resolves, else the error's kind (a `PasswordApiError`) or its text. */
export function outcomeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (error: unknown) => (error instanceof PasswordApiError ? error.kind : String(error)),
  );
}
