/**
 * The reference deployment's storage in one object: the library's user and token stores, the
 * server's own state, and the account operations (create, list) that the server's routes, the
 * seeding and the CLI need. Memory, PGlite or a PostgreSQL server, chosen by the environment.
 */
import { randomBytes } from 'node:crypto';
import { MemoryTokenStore, type TokenStore, type UserStore } from 'express-rbac-password';
import { createPostgresStores, type NewUser } from 'express-rbac-password/postgres';
import { openPglite, openPostgres, type Database } from './database.ts';
import { MemoryAccountStore, type MemoryAccount } from './memory-accounts.ts';
import type { StoreChoice } from '../config/environment.ts';
import { MemoryServerState, PostgresServerState, type ServerState } from './server-state.ts';

/** A user with the profile fields of the product's user object: the memory accounts' shape, which the PostgreSQL store's users also have. */
export type Account = MemoryAccount;

/** What `createAccount` takes: the PostgreSQL store's input; ids are always generated here. */
export type NewAccount = Omit<NewUser, 'id'>;

/** The user store as the reference deployment uses it: every optional member is there. */
export type AccountStore = UserStore & {
  findById(id: string): Promise<Account | null> | Account | null;
  findByLogin(login: string): Promise<Account | null> | Account | null;
  setRevoked(id: string, revoked: boolean): Promise<boolean> | boolean;
};

/** The open storage. */
export interface ReferenceStore {
  readonly kind: StoreChoice['kind'];
  readonly userStore: AccountStore;
  readonly tokenStore: TokenStore;
  readonly state: ServerState;
  /** Creates or upgrades every table. Safe from several instances at once. */
  migrate(): Promise<void>;
  /** Whether `migrate()` ever ran on this store. */
  isMigrated(): Promise<boolean>;
  createAccount(input: NewAccount): Promise<Account>;
  listAccounts(): Promise<Account[]>;
  findAccountByLogin(login: string): Promise<Account | null>;
  findAccountById(id: string): Promise<Account | null>;
  /** Deletes dead reset-token records and expired auth tokens. */
  purgeExpired(now: Date): Promise<{ readonly resetTokens: number; readonly authTokens: number }>;
  /** The reset-token signing secret: generated on first use and kept, so instances on one database share it. */
  tokenSecret(): Promise<string>;
  close(): Promise<void>;
}

/** The server's profile columns in the users table: the library maps them on request (and creates them with the table). */
const PROFILE_COLUMNS = { displayName: 'display_name', isSuperuser: 'is_superuser' } as const;

const SECRET_SETTING = 'reset_token_secret';
const newSecret = () => randomBytes(32).toString('base64url');

/** Opens the store the environment chose. Nothing is created until `migrate()`. */
export async function openReferenceStore(choice: StoreChoice): Promise<ReferenceStore> {
  if (choice.kind === 'memory') return memoryStore();
  const db = choice.kind === 'pglite' ? await openPglite(choice.dataDir) : await openPostgres(choice.url);
  return postgresStore(choice.kind, db);
}

function memoryStore(): ReferenceStore {
  const users = new MemoryAccountStore();
  const tokens = new MemoryTokenStore();
  const state = new MemoryServerState(users);
  return {
    kind: 'memory',
    userStore: users,
    tokenStore: tokens,
    state,
    migrate: async () => {},
    isMigrated: async () => true,
    createAccount: async (input) => users.createUser(input),
    listAccounts: async () => users.listUsers().sort((a, b) => a.login.localeCompare(b.login)),
    findAccountByLogin: async (login) => users.findByLogin(login),
    findAccountById: async (id) => users.findById(id),
    purgeExpired: async (now) => ({ resetTokens: tokens.purgeExpired(now), authTokens: await state.purgeSessions(now) }),
    tokenSecret: () => state.getOrCreateSetting(SECRET_SETTING, newSecret),
    close: async () => tokens.close(),
  };
}

function postgresStore(kind: 'pglite' | 'postgres', db: Database): ReferenceStore {
  const stores = createPostgresStores(db.client, { createUsersTable: true, columns: PROFILE_COLUMNS });
  const state = new PostgresServerState(db, stores.names);
  const users = stores.userStore;
  return {
    kind,
    userStore: users,
    tokenStore: stores.tokenStore,
    state,
    migrate: async () => {
      await stores.migrate();
      await state.migrate();
    },
    isMigrated: async () => (await stores.schemaVersion()) > 0,
    createAccount: (input) => users.createUser(input),
    listAccounts: () => users.listUsers(),
    findAccountByLogin: (login) => users.findByLogin(login),
    findAccountById: (id) => users.findById(id),
    purgeExpired: async (now) => ({ resetTokens: await stores.purgeExpired(now), authTokens: await state.purgeSessions(now) }),
    tokenSecret: () => state.getOrCreateSetting(SECRET_SETTING, newSecret),
    close: () => db.close(),
  };
}
