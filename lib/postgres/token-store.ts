/**
 * `TokenStore` on PostgreSQL. Only the token's id (`jti`) and metadata are stored. A token is
 * claimed by one conditional UPDATE, so exactly one of any number of concurrent redeemers, in
 * any number of processes, gets the row; the claim and the password write commit together.
 */
import type { IssuedTokenCheck, ResetLinkSlotInput, ResetTokenRecord, StoreCallOptions, TokenStore } from '../types.ts';
import type { ResolvedNames } from './options.ts';
import { sqlLiteral, type SqlExecutor } from './sql-executor.ts';

interface TokenRow {
  id: string;
  user_id: string;
  issued_at: Date;
  expires_at: Date;
  issued_by: string | null;
  password_stamp: string;
}

interface CheckRow {
  outstanding: boolean;
  password_hash: string | null;
  user_found: boolean;
}

const COLUMNS = 'id, user_id, issued_at, expires_at, issued_by, password_stamp';

/** A PostgreSQL-backed `TokenStore`. Create it with `createPostgresStores`. */
export class PostgresTokenStore implements TokenStore {
  readonly #sql: SqlExecutor;
  readonly #tokens: string;
  readonly #resetLinks: string;
  readonly #users: string;
  readonly #userId: string;
  readonly #passwordHash: string;

  /** Prefer `createPostgresStores`, so `redeem`'s `apply` shares the transaction with the user store. */
  /** @internal Made by `createPostgresStores`, which owns the SQL executor. */
  constructor(sql: SqlExecutor, names: ResolvedNames) {
    this.#sql = sql;
    this.#tokens = names.tokens;
    this.#resetLinks = names.resetLinks;
    this.#users = names.users;
    this.#userId = names.col.id;
    this.#passwordHash = names.col.passwordHash;
  }

  /**
   * Records the token and revokes the user's other outstanding ones in one transaction. A per-user
   * advisory lock makes two concurrent issues for one user take turns, so the later one always
   * supersedes the earlier instead of both surviving: the lock comes first, in a statement of its
   * own, so the superseding statement's snapshot is taken after it and sees every earlier issue.
   * On a `pg` Pool or Client the transaction is one round trip (see `issueAndCheck`).
   */
  async issue(record: ResetTokenRecord, options?: StoreCallOptions): Promise<void> {
    const done = await this.#sql.transactionScript(scriptOf(this.#issueStatements(record)), undefined, options?.signal);
    if (done === null) await this.#issueInTransaction(record, options);
  }

  /**
   * `issue`, then, once it committed, one read of whether the token is still outstanding at `now`
   * and of the user's password hash (see `TokenStore.issueAndCheck`). On a `pg` Pool or Client
   * outside a transaction this is one round trip: the whole transaction and the read go as one
   * script (BEGIN, the lock, the insert, COMMIT, the read), its values spliced in as literals.
   * On PGlite, or inside `transaction()`, it is `issue` and then one SELECT.
   */
  async issueAndCheck(record: ResetTokenRecord, now: Date, options?: StoreCallOptions): Promise<IssuedTokenCheck> {
    const check = (literal: Literal) =>
      `SELECT EXISTS (SELECT 1 FROM ${this.#tokens}
                WHERE id = ${literal(record.id)} AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ${literal(now)}) AS outstanding,
              u.${this.#passwordHash} AS password_hash, u.${this.#userId} IS NOT NULL AS user_found
         FROM (SELECT 1) AS one LEFT JOIN ${this.#users} u ON u.${this.#userId} = ${literal(record.userId)}`;
    let rows = await this.#sql.transactionScript<CheckRow>(scriptOf(this.#issueStatements(record)), check(sqlLiteral), options?.signal);
    if (rows === null) {
      await this.#issueInTransaction(record, options);
      const { text, params } = parameterized(check);
      rows = await this.#sql.query<CheckRow>(text, params, options?.signal);
    }
    const [row] = rows;
    if (row === undefined || !row.user_found) return { outstanding: row?.outstanding === true, passwordHash: undefined };
    return { outstanding: row.outstanding === true, passwordHash: row.password_hash };
  }

  /** The two statements of `issue`, the lock and the superseding insert, to be given their values by `literal`. */
  #issueStatements(record: ResetTokenRecord): ((literal: Literal) => string)[] {
    return [
      (literal) => `SELECT pg_advisory_xact_lock(hashtext(${literal(`${this.#tokens}:${record.userId}`)}))`,
      (literal) => {
        const [id, userId, issuedAt] = [literal(record.id), literal(record.userId), literal(record.issuedAt)];
        return `WITH superseded AS (
           UPDATE ${this.#tokens} SET revoked_at = ${issuedAt}
            WHERE user_id = ${userId} AND id <> ${id} AND used_at IS NULL AND revoked_at IS NULL
         )
         INSERT INTO ${this.#tokens} (id, user_id, issued_at, expires_at, issued_by, password_stamp)
         VALUES (${id}, ${literal(record.userId)}, ${issuedAt}, ${literal(record.expiresAt)}, ${literal(record.issuedBy)}, ${literal(record.passwordStamp)})`;
      },
    ];
  }

  /** `issue` as a transaction of separate, parameterized statements (PGlite, inside `transaction()`). */
  #issueInTransaction(record: ResetTokenRecord, options?: StoreCallOptions): Promise<void> {
    return this.#sql.runInTransaction(async () => {
      for (const statement of this.#issueStatements(record)) {
        const { text, params } = parameterized(statement);
        await this.#sql.query(text, params);
      }
    }, options?.signal);
  }

  /** The record when the token is still usable at `now`, or null. Does not consume it. */
  async find(id: string, now: Date, options?: StoreCallOptions): Promise<ResetTokenRecord | null> {
    const [row] = await this.#sql.query<TokenRow>(
      `SELECT ${COLUMNS} FROM ${this.#tokens}
        WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2`,
      [id, now],
      options?.signal,
    );
    return row === undefined ? null : toRecord(row);
  }

  /**
   * Claims the token and runs `apply` in one transaction. When `apply` throws, the transaction
   * rolls back, the claim with it, so the token stays usable; the error is rethrown. A concurrent
   * redeemer waits on the row lock and then finds the token used: it resolves null.
   */
  redeem(id: string, now: Date, apply: (record: ResetTokenRecord) => Promise<void>, options?: StoreCallOptions): Promise<ResetTokenRecord | null> {
    return this.#sql.runInTransaction(async () => {
      const [row] = await this.#sql.query<TokenRow>(
        `UPDATE ${this.#tokens} SET used_at = $2
          WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
          RETURNING ${COLUMNS}`,
        [id, now],
      );
      if (row === undefined) return null;
      const record = toRecord(row);
      await apply(record);
      return record;
    }, options?.signal);
  }

  /**
   * Counts one refused redemption in one conditional UPDATE (row-locked, so concurrent refusals
   * in any number of processes each see the previous count) and revokes the token when the count
   * reaches the budget.
   */
  async recordRefusal(id: string, budget: number, now: Date, options?: StoreCallOptions): Promise<number | null> {
    const limit = Math.max(1, Math.floor(budget));
    const [row] = await this.#sql.query<{ refusals: number }>(
      `UPDATE ${this.#tokens} SET refusals = refusals + 1,
          revoked_at = CASE WHEN refusals + 1 >= $2::int THEN $3::timestamptz ELSE NULL END
        WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
        RETURNING refusals`,
      [id, limit, now],
      options?.signal,
    );
    return row === undefined ? null : Math.max(0, limit - Number(row.refusals));
  }

  /**
   * Revokes every outstanding token of the user. The contract passes no clock, so the revocation
   * time is the database's; it is only kept for audits (purging does not depend on it).
   */
  async revokeForUser(userId: string, options?: StoreCallOptions): Promise<void> {
    await this.#sql.query(`UPDATE ${this.#tokens} SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, [userId], options?.signal);
  }

  /**
   * The user's tokens outstanding at `now`, oldest first, through the partial index on outstanding
   * tokens. Reads committed rows: a redemption whose transaction is still open is listed.
   */
  async listOutstanding(userId: string, now: Date, options?: StoreCallOptions): Promise<ResetTokenRecord[]> {
    const rows = await this.#sql.query<TokenRow>(
      `SELECT ${COLUMNS} FROM ${this.#tokens}
        WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
        ORDER BY issued_at, id`,
      [userId, now],
      options?.signal,
    );
    return rows.map(toRecord);
  }

  /**
   * Revokes the user's tokens outstanding at `now` (only `tokenId` when given) in one UPDATE and
   * counts them. A row being redeemed is locked by the redemption's transaction: the UPDATE waits
   * for it, then re-checks the row, so a committed redemption is not counted and an undone one
   * is revoked and counted.
   */
  async revokeOutstanding(userId: string, tokenId: string | null, now: Date, options?: StoreCallOptions): Promise<number> {
    const [row] = await this.#sql.query<{ revoked: number }>(
      `WITH revoked AS (
         UPDATE ${this.#tokens} SET revoked_at = $3
          WHERE user_id = $1 AND ($2::text IS NULL OR id = $2::text)
            AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
          RETURNING 1
       ) SELECT count(*)::int AS revoked FROM revoked`,
      [userId, tokenId, now],
      options?.signal,
    );
    return row?.revoked ?? 0;
  }

  /**
   * Claims the user's reset link slot in one upsert: it inserts, or takes over a row whose window
   * ended at `now`. Concurrent claims in any number of processes wait on the row and then see the
   * winner's window, so exactly one returns a row.
   */
  async claimResetLinkSlot(userId: string, input: ResetLinkSlotInput, options?: StoreCallOptions): Promise<boolean> {
    const rows = await this.#sql.query(
      `INSERT INTO ${this.#resetLinks} AS slot (user_id, claimed_at, free_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET claimed_at = EXCLUDED.claimed_at, free_at = EXCLUDED.free_at
        WHERE slot.free_at <= EXCLUDED.claimed_at
       RETURNING 1`,
      [userId, input.now, new Date(input.now.getTime() + input.cooldownMs)],
      options?.signal,
    );
    return rows.length === 1;
  }

  /** Frees the slot only while it still holds the claim made at `claimedAt`. */
  async releaseResetLinkSlot(userId: string, claimedAt: Date, options?: StoreCallOptions): Promise<void> {
    await this.#sql.query(`DELETE FROM ${this.#resetLinks} WHERE user_id = $1 AND claimed_at = $2`, [userId, claimedAt], options?.signal);
  }

  /** Deletes used and revoked records, and those expired at `now`; resolves how many. Uses the `purge_after` index. */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const [row] = await this.#sql.query<{ deleted: number }>(
      `WITH gone AS (DELETE FROM ${this.#tokens} WHERE purge_after <= $1 RETURNING 1) SELECT count(*)::int AS deleted FROM gone`,
      [now],
    );
    return row?.deleted ?? 0;
  }
}

/** How a statement gets a value: spliced in as a literal (`sqlLiteral`), or as the next parameter. */
type Literal = (value: string | Date | null) => string;

function scriptOf(statements: readonly ((literal: Literal) => string)[]): string[] {
  return statements.map((statement) => statement(sqlLiteral));
}

/** A statement whose values become parameters `$1`, `$2`, ... (timestamps cast to `timestamptz`). */
function parameterized(statement: (literal: Literal) => string): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = statement((value) => {
    params.push(value);
    return value instanceof Date ? `$${params.length}::timestamptz` : `$${params.length}`;
  });
  return { text, params };
}

function toRecord(row: TokenRow): ResetTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    issuedBy: row.issued_by,
    passwordStamp: row.password_stamp,
  };
}
