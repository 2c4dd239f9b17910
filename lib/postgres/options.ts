/**
 * Options of `createPostgresStores`, checked and resolved once at construction so a typo in a
 * table or column name fails at startup with a message, not at the first request.
 */
import { assertIdentifier, qualifiedName, quoteIdentifier } from './identifiers.ts';
import type { TransactionMode } from './sql-client.ts';

/** Column names of the host's users table. */
export interface UserColumnNames {
  /** Primary key, the library's user id. Default `id`. */
  readonly id?: string;
  /** Unique login name. Default `login`. */
  readonly login?: string;
  /** Password hash, nullable. Default `password_hash`. */
  readonly passwordHash?: string;
  /** Boolean remote (LDAP/SAML) flag. Default `is_remote`; null when the table has none (every user is local). */
  readonly isRemote?: string | null;
  /** Boolean revoked flag, written by the lockout and by reinstatement. Default `is_revoked`. */
  readonly isRevoked?: string;
  /** Optional timestamp written by `recordLogin` (besides our own state table). Default none; `last_login` with `createUsersTable`. */
  readonly lastLogin?: string | null;
  /** Optional columns used by `createUser`/`listUsers`. Default none; the default table's names with `createUsersTable`. */
  readonly email?: string | null;
  readonly createdAt?: string | null;
  /**
   * Optional profile columns of a host's table, read by `listUsers`/`findBy*` and written by
   * `createUser` when mapped. Default none, also with `createUsersTable` (which then creates the
   * mapped ones): the library itself never uses them.
   */
  readonly displayName?: string | null;
  readonly isSuperuser?: string | null;
}

/** Options of `createPostgresStores`. */
export interface PostgresStoreOptions {
  /** Schema of the users table. Default `public`. */
  readonly schema?: string;
  /** Name of the users table. Default `users`. */
  readonly usersTable?: string;
  /** Column names of the users table; each defaults to the default table's name. */
  readonly columns?: UserColumnNames;
  /** Schema of the adapter's own tables. Default: the users table's schema. */
  readonly stateSchema?: string;
  /** Prefix of the adapter's own tables (`<prefix>user_state`, `<prefix>reset_tokens`, ...). Default `rbac_password_`. */
  readonly tablePrefix?: string;
  /**
   * When true, `migrate()` also creates the default users table (`CREATE TABLE IF NOT EXISTS`)
   * and its optional columns (email, last login, created at) are mapped. Profile columns
   * (display name, superuser) are created only when `columns` maps them.
   */
  readonly createUsersTable?: boolean;
  /**
   * When set, each transaction the adapter opens runs `SET LOCAL statement_timeout` to this many
   * milliseconds, so a transaction stuck behind a lock fails instead of holding a connection.
   * Single-statement calls (lookups, `clearFailedAttempts`, ...) are not covered: give a `pg` Pool
   * its own `statement_timeout` option for those. The router's store timeout bounds every call anyway.
   */
  readonly statementTimeoutMs?: number;
  /** How to run transactions; detected from the client when omitted (see `TransactionMode`). */
  readonly transactionMode?: TransactionMode;
}

/** Quoted, ready-to-splice names of every table and column the adapter uses. */
export interface ResolvedNames {
  readonly users: string;
  readonly col: {
    readonly id: string;
    readonly login: string;
    readonly passwordHash: string;
    readonly isRemote: string | null;
    readonly isRevoked: string;
    readonly lastLogin: string | null;
    readonly email: string | null;
    readonly displayName: string | null;
    readonly isSuperuser: string | null;
    readonly createdAt: string | null;
  };
  readonly state: string;
  readonly history: string;
  readonly tokens: string;
  /** Self-service reset link slots (the shared cooldown). */
  readonly resetLinks: string;
  readonly migrations: string;
  /** Unquoted `schema.prefix`, the key of the migration advisory lock. */
  readonly lockKey: string;
  /** Unquoted schema and table of the users table, for `CREATE TABLE` and its index names. */
  readonly usersSchema: string;
  readonly usersTableName: string;
  readonly stateSchema: string;
  readonly prefix: string;
}

const DEFAULT_COLUMNS = {
  id: 'id',
  login: 'login',
  passwordHash: 'password_hash',
  isRemote: 'is_remote',
  isRevoked: 'is_revoked',
  lastLogin: 'last_login',
  email: 'email',
  createdAt: 'created_at',
} as const;

/** Columns that only exist in the default table, so they are unmapped unless asked for. */
const OPTIONAL_COLUMNS = ['lastLogin', 'email', 'createdAt'] as const;

/** Validates `options` and resolves every name; throws a `TypeError` naming the bad option. */
export function resolveNames(options: PostgresStoreOptions): ResolvedNames {
  const schema = options.schema ?? 'public';
  const usersTable = options.usersTable ?? 'users';
  const stateSchema = options.stateSchema ?? schema;
  const prefix = options.tablePrefix ?? 'rbac_password_';
  assertIdentifier('schema', schema);
  assertIdentifier('usersTable', usersTable);
  assertIdentifier('stateSchema', stateSchema);
  // The prefix is checked as part of the longest table name it makes.
  assertIdentifier('tablePrefix', `${prefix}password_history`);

  const given = options.columns ?? {};
  const column = (key: keyof UserColumnNames, required: boolean): string | null => {
    const value = given[key];
    if (value === null) {
      if (required) throw new TypeError(`express-rbac-password/postgres: option columns.${key} cannot be null`);
      return null;
    }
    const isOptional = (OPTIONAL_COLUMNS as readonly string[]).includes(key);
    // Profile columns have no default name: a host that keeps them maps them.
    const fallback = key in DEFAULT_COLUMNS ? DEFAULT_COLUMNS[key as keyof typeof DEFAULT_COLUMNS] : undefined;
    const name = value ?? (isOptional && options.createUsersTable !== true ? undefined : fallback);
    if (name === undefined) return null;
    assertIdentifier(`columns.${key}`, name);
    return quoteIdentifier(name);
  };

  return {
    users: qualifiedName(schema, usersTable),
    col: {
      id: column('id', true) as string,
      login: column('login', true) as string,
      passwordHash: column('passwordHash', true) as string,
      isRemote: column('isRemote', false),
      isRevoked: column('isRevoked', true) as string,
      lastLogin: column('lastLogin', false),
      email: column('email', false),
      displayName: column('displayName', false),
      isSuperuser: column('isSuperuser', false),
      createdAt: column('createdAt', false),
    },
    state: qualifiedName(stateSchema, `${prefix}user_state`),
    history: qualifiedName(stateSchema, `${prefix}password_history`),
    tokens: qualifiedName(stateSchema, `${prefix}reset_tokens`),
    resetLinks: qualifiedName(stateSchema, `${prefix}reset_links`),
    migrations: qualifiedName(stateSchema, `${prefix}migrations`),
    lockKey: `${stateSchema}.${prefix}`,
    usersSchema: schema,
    usersTableName: usersTable,
    stateSchema,
    prefix,
  };
}

/** Checks `statementTimeoutMs`: it is spliced into `SET LOCAL`, which takes no parameters. */
export function resolveStatementTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`express-rbac-password/postgres: option statementTimeoutMs must be a positive integer, got ${String(value)}`);
  }
  return value;
}
