/**
 * A deliberately naive adapter, the most common wrong fix for a racy one: every member reads a
 * JSON document, decides in JavaScript and writes it back (get-then-set), made "atomic" only by an
 * in-process mutex per store instance. Sequentially it follows the whole contract, and one
 * instance passes every concurrency case; two instances on the same data race. It runs on any
 * key-value backend: an in-memory one with a round trip per call, or Redis.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import type { ConformanceUserInput } from '../../lib/conformance/index.ts';
import { Mutex } from '../../lib/postgres/mutex.ts';
import type {
  FailedAttemptInput,
  FailedAttemptResult,
  PasswordUser,
  PasswordWrite,
  ResetLinkSlotInput,
  ResetTokenRecord,
  SuccessfulAttemptInput,
  SuccessfulAttemptOutcome,
  TokenStore,
  UserStore,
} from '../../lib/types.ts';

/** The backing data: string values by key, each call one round trip. */
export interface KeyValue {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}

/** A `KeyValue` in this process whose every call takes a round trip through the event loop, like a network client. */
export class RoundTripMap implements KeyValue {
  readonly #data = new Map<string, string>();
  async get(key: string): Promise<string | null> {
    await tick();
    return this.#data.get(key) ?? null;
  }
  async set(key: string, value: string): Promise<void> {
    await tick();
    this.#data.set(key, value);
  }
  async del(key: string): Promise<void> {
    await tick();
    this.#data.delete(key);
  }
}

interface UserDoc {
  id: string;
  login: string;
  passwordHash: string | null;
  isRemote: boolean;
  isRevoked: boolean;
  revokedBy: 'lockout' | 'admin' | null;
  failedAttempts: number;
  lockedUntil: number | null;
  lockouts: number;
  history: string[];
}

interface TokenDoc {
  id: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
  issuedBy: string | null;
  passwordStamp: string;
  state: 'outstanding' | 'claimed' | 'used' | 'revoked';
  revokedWhileClaimed: boolean;
  refusals: number;
}

async function read<T>(kv: KeyValue, key: string): Promise<T | null> {
  const text = await kv.get(key);
  return text === null ? null : (JSON.parse(text) as T);
}

const write = (kv: KeyValue, key: string, value: unknown) => kv.set(key, JSON.stringify(value));

function toUser(doc: UserDoc): PasswordUser {
  return {
    id: doc.id,
    login: doc.login,
    passwordHash: doc.passwordHash,
    isRemote: doc.isRemote,
    isRevoked: doc.isRevoked,
    revokedBy: doc.isRevoked ? (doc.revokedBy ?? 'admin') : null,
    failedAttempts: doc.failedAttempts,
    lockedUntil: doc.lockedUntil === null ? null : new Date(doc.lockedUntil),
  };
}

function toRecord(doc: TokenDoc): ResetTokenRecord {
  return {
    id: doc.id,
    userId: doc.userId,
    issuedAt: new Date(doc.issuedAt),
    expiresAt: new Date(doc.expiresAt),
    issuedBy: doc.issuedBy,
    passwordStamp: doc.passwordStamp,
  };
}

/** The naive `UserStore`: one mutex per instance. */
export class NaiveUserStore implements UserStore {
  readonly #mutex = new Mutex();
  constructor(
    readonly kv: KeyValue,
    readonly prefix: string,
  ) {}

  /** Test set-up: inserts a user (outside the contract). */
  async createUser(input: ConformanceUserInput): Promise<PasswordUser> {
    const doc: UserDoc = {
      id: randomUUID(),
      login: input.login,
      passwordHash: input.passwordHash,
      isRemote: input.isRemote ?? false,
      isRevoked: input.isRevoked ?? false,
      revokedBy: null,
      failedAttempts: 0,
      lockedUntil: null,
      lockouts: 0,
      history: [],
    };
    await write(this.kv, this.#key(doc.id), doc);
    await this.kv.set(`${this.prefix}login:${doc.login}`, doc.id);
    return toUser(doc);
  }

  /** Test set-up: clears the revoked flag alone, as a host's admin screen would. */
  clearRevokedFlag(id: string): Promise<void> {
    return this.#change(id, (doc) => {
      doc.isRevoked = false;
    }).then(() => undefined);
  }

  async findById(id: string): Promise<PasswordUser | null> {
    const doc = await read<UserDoc>(this.kv, this.#key(id));
    return doc === null ? null : toUser(doc);
  }

  async findByLogin(login: string): Promise<PasswordUser | null> {
    const id = await this.kv.get(`${this.prefix}login:${login}`);
    return id === null ? null : this.findById(id);
  }

  async setPassword(id: string, change: PasswordWrite): Promise<boolean> {
    return (
      (await this.#change(id, (doc) => {
        if (doc.passwordHash !== change.previousHash) return false;
        if (change.activeAt !== undefined && (doc.isRevoked || (doc.lockedUntil !== null && doc.lockedUntil > change.activeAt.getTime()))) return false;
        if (change.activeAt !== undefined) Object.assign(doc, { failedAttempts: 0, lockedUntil: null, lockouts: 0 });
        if (change.rehash !== true) {
          if (change.previousHash !== null) doc.history.unshift(change.previousHash);
          doc.history = doc.history.slice(0, change.historySize);
        }
        doc.passwordHash = change.passwordHash;
        if (change.reinstate && (!doc.isRevoked || doc.revokedBy === 'lockout')) {
          Object.assign(doc, { isRevoked: false, revokedBy: null, failedAttempts: 0, lockedUntil: null, lockouts: 0 });
        }
        return true;
      })) ?? false
    );
  }

  async getPasswordHistory(id: string, limit: number): Promise<string[]> {
    return (await read<UserDoc>(this.kv, this.#key(id)))?.history.slice(0, limit) ?? [];
  }

  async recordFailedAttempt(id: string, input: FailedAttemptInput): Promise<FailedAttemptResult | null> {
    return this.#change(id, (doc) => {
      const now = input.now.getTime();
      let lockedNow = false;
      if (!doc.isRevoked && !(doc.lockedUntil !== null && doc.lockedUntil > now)) {
        doc.failedAttempts = Math.min(doc.failedAttempts + 1, input.threshold);
        if (doc.lockedUntil !== null) doc.lockedUntil = null;
        if (doc.failedAttempts === input.threshold) {
          lockedNow = true;
          if (input.action.mode === 'revoke') {
            Object.assign(doc, { isRevoked: true, revokedBy: 'lockout' });
          } else {
            doc.lockedUntil = now + Math.min(input.action.baseMs * 2 ** doc.lockouts, input.action.maxMs);
            doc.lockouts += 1;
            doc.failedAttempts = 0;
          }
        }
      }
      return { failedAttempts: doc.failedAttempts, lockedNow, isRevoked: doc.isRevoked, lockedUntil: doc.lockedUntil === null ? null : new Date(doc.lockedUntil) };
    });
  }

  async clearFailedAttempts(id: string): Promise<void> {
    await this.#change(id, (doc) => Object.assign(doc, { failedAttempts: 0, lockedUntil: null, lockouts: 0 }));
  }

  async recordSuccessfulAttempt(id: string, input: SuccessfulAttemptInput): Promise<SuccessfulAttemptOutcome | null> {
    return this.#change(id, (doc): SuccessfulAttemptOutcome => {
      if (doc.isRevoked) return 'revoked';
      if (doc.lockedUntil !== null && doc.lockedUntil > input.now.getTime()) return 'locked';
      if (doc.passwordHash !== input.passwordHash) return 'password-changed';
      Object.assign(doc, { failedAttempts: 0, lockedUntil: null, lockouts: 0 });
      return 'ok';
    });
  }

  async setRevoked(id: string, revoked: boolean): Promise<boolean> {
    const found = await this.#change(id, (doc) => {
      if (revoked) Object.assign(doc, { isRevoked: true, revokedBy: 'admin' });
      else Object.assign(doc, { isRevoked: false, revokedBy: null, failedAttempts: 0, lockedUntil: null, lockouts: 0 });
      return true;
    });
    return found ?? false;
  }

  async recordLogin(): Promise<void> {}

  #key(id: string): string {
    return `${this.prefix}user:${id}`;
  }

  /** Read, change in JavaScript, write back: "atomic" only against this instance's own calls. */
  #change<T>(id: string, fn: (doc: UserDoc) => T): Promise<T | null> {
    return this.#mutex.run(async () => {
      const doc = await read<UserDoc>(this.kv, this.#key(id));
      if (doc === null) return null;
      const result = fn(doc);
      await write(this.kv, this.#key(id), doc);
      return result;
    });
  }
}

/** The naive `TokenStore`: claim, apply, then commit or undo, each step a get-then-set under this instance's mutex. */
export class NaiveTokenStore implements TokenStore {
  readonly #mutex = new Mutex();
  constructor(
    readonly kv: KeyValue,
    readonly prefix: string,
  ) {}

  issue(record: ResetTokenRecord): Promise<void> {
    return this.#mutex.run(async () => {
      await this.#revokeOutstanding(record.userId);
      const doc: TokenDoc = {
        ...record,
        issuedAt: record.issuedAt.getTime(),
        expiresAt: record.expiresAt.getTime(),
        state: 'outstanding',
        revokedWhileClaimed: false,
        refusals: 0,
      };
      await write(this.kv, this.#key(record.id), doc);
      const ids = (await read<string[]>(this.kv, this.#userKey(record.userId))) ?? [];
      await write(this.kv, this.#userKey(record.userId), [...ids, record.id]);
      const all = (await read<string[]>(this.kv, `${this.prefix}tokens`)) ?? [];
      await write(this.kv, `${this.prefix}tokens`, [...all, record.id]);
    });
  }

  async find(id: string, now: Date): Promise<ResetTokenRecord | null> {
    const doc = await read<TokenDoc>(this.kv, this.#key(id));
    return doc !== null && doc.state === 'outstanding' && doc.expiresAt > now.getTime() ? toRecord(doc) : null;
  }

  async redeem(id: string, now: Date, apply: (record: ResetTokenRecord) => Promise<void>): Promise<ResetTokenRecord | null> {
    const claimed = await this.#mutex.run(async () => {
      const doc = await read<TokenDoc>(this.kv, this.#key(id));
      if (doc === null || doc.state !== 'outstanding' || doc.expiresAt <= now.getTime()) return null;
      await write(this.kv, this.#key(id), { ...doc, state: 'claimed' });
      return doc;
    });
    if (claimed === null) return null;
    try {
      await apply(toRecord(claimed));
    } catch (error) {
      await this.#settle(id, (doc) => (doc.revokedWhileClaimed ? 'revoked' : 'outstanding'));
      throw error;
    }
    await this.#settle(id, () => 'used');
    return toRecord(claimed);
  }

  revokeForUser(userId: string): Promise<void> {
    return this.#mutex.run(() => this.#revokeOutstanding(userId));
  }

  recordRefusal(id: string, budget: number, now: Date): Promise<number | null> {
    return this.#mutex.run(async () => {
      const doc = await read<TokenDoc>(this.kv, this.#key(id));
      if (doc === null || doc.state !== 'outstanding' || doc.expiresAt <= now.getTime()) return null;
      const refusals = (doc.refusals ?? 0) + 1;
      await write(this.kv, this.#key(id), { ...doc, refusals, state: refusals >= budget ? 'revoked' : 'outstanding' });
      return Math.max(0, budget - refusals);
    });
  }

  purgeExpired(now: Date): Promise<number> {
    return this.#mutex.run(async () => {
      const all = (await read<string[]>(this.kv, `${this.prefix}tokens`)) ?? [];
      const kept: string[] = [];
      let purged = 0;
      for (const id of all) {
        const doc = await read<TokenDoc>(this.kv, this.#key(id));
        if (doc === null) continue;
        if (doc.state !== 'claimed' && (doc.state !== 'outstanding' || doc.expiresAt <= now.getTime())) {
          await this.kv.del(this.#key(id));
          if (doc.state === 'outstanding') purged += 1;
        } else {
          kept.push(id);
        }
      }
      await write(this.kv, `${this.prefix}tokens`, kept);
      return purged;
    });
  }

  async listOutstanding(userId: string, now: Date): Promise<ResetTokenRecord[]> {
    const ids = (await read<string[]>(this.kv, this.#userKey(userId))) ?? [];
    const found = await Promise.all(ids.map((id) => this.find(id, now)));
    return found.filter((record) => record !== null);
  }

  /** Get-then-set behind the in-process mutex: atomic against this instance only. */
  revokeOutstanding(userId: string, tokenId: string | null, now: Date): Promise<number> {
    return this.#mutex.run(async () => {
      let revoked = 0;
      for (const id of (await read<string[]>(this.kv, this.#userKey(userId))) ?? []) {
        if (tokenId !== null && id !== tokenId) continue;
        const doc = await read<TokenDoc>(this.kv, this.#key(id));
        if (doc?.state === 'claimed') await write(this.kv, this.#key(id), { ...doc, revokedWhileClaimed: true });
        if (doc?.state !== 'outstanding' || doc.expiresAt <= now.getTime()) continue;
        await write(this.kv, this.#key(id), { ...doc, state: 'revoked' });
        revoked += 1;
      }
      return revoked;
    });
  }

  /** The shared cooldown, get-then-set: atomic inside this instance's mutex only. */
  claimResetLinkSlot(userId: string, input: ResetLinkSlotInput): Promise<boolean> {
    return this.#mutex.run(async () => {
      const slot = await read<{ claimedAt: number; freeAt: number }>(this.kv, this.#slotKey(userId));
      if (slot !== null && slot.freeAt > input.now.getTime()) return false;
      await write(this.kv, this.#slotKey(userId), { claimedAt: input.now.getTime(), freeAt: input.now.getTime() + input.cooldownMs });
      return true;
    });
  }

  releaseResetLinkSlot(userId: string, claimedAt: Date): Promise<void> {
    return this.#mutex.run(async () => {
      const slot = await read<{ claimedAt: number }>(this.kv, this.#slotKey(userId));
      if (slot?.claimedAt === claimedAt.getTime()) await this.kv.del(this.#slotKey(userId));
    });
  }

  #slotKey(userId: string): string {
    return `${this.prefix}reset-link:${userId}`;
  }

  async #revokeOutstanding(userId: string): Promise<void> {
    const ids = (await read<string[]>(this.kv, this.#userKey(userId))) ?? [];
    for (const id of ids) {
      const doc = await read<TokenDoc>(this.kv, this.#key(id));
      if (doc?.state === 'outstanding') await write(this.kv, this.#key(id), { ...doc, state: 'revoked' });
      if (doc?.state === 'claimed') await write(this.kv, this.#key(id), { ...doc, revokedWhileClaimed: true });
    }
  }

  #settle(id: string, next: (doc: TokenDoc) => TokenDoc['state']): Promise<void> {
    return this.#mutex.run(async () => {
      const doc = await read<TokenDoc>(this.kv, this.#key(id));
      if (doc !== null) await write(this.kv, this.#key(id), { ...doc, state: next(doc) });
    });
  }

  #key(id: string): string {
    return `${this.prefix}token:${id}`;
  }

  #userKey(userId: string): string {
    return `${this.prefix}user-tokens:${userId}`;
  }
}
