/**
 * A `TokenStore` on Redis, written from the README's contract. Redis cannot hold a transaction
 * open while the password is written, so `redeem` is claim -> apply -> commit or undo, with a
 * random claim marker (see `token-scripts.ts`). Expiry is judged by the `now` argument only.
 */
import { randomBytes } from 'node:crypto';
import type { ResetLinkSlotInput, ResetTokenRecord, StoreCallOptions, TokenStore } from '../types.ts';
import type { RedisLike } from './redis-client.ts';
import type { RedisKeys } from './redis-keys.ts';
import { CLAIM, CLAIM_RESET_LINK, COMMIT, ISSUE, LIST_OUTSTANDING, PURGE, RECORD_REFUSAL, RELEASE_RESET_LINK, REVOKE_FOR_USER, REVOKE_OUTSTANDING, UNDO } from './token-scripts.ts';

/** How long Redis keeps a reset link slot past its window, by its own clock: only to reclaim memory, never to decide. */
const SLOT_KEEP_MS = 24 * 3_600_000;

function toRecord(id: string, fields: Record<string, string>): ResetTokenRecord {
  return {
    id,
    userId: fields['userId'] ?? '',
    issuedAt: new Date(Number(fields['issuedAt'])),
    expiresAt: new Date(Number(fields['expiresAt'])),
    issuedBy: fields['issuedBy'] ?? null,
    passwordStamp: fields['passwordStamp'] ?? '',
  };
}

/** HGETALL as a flat Lua reply ([field, value, ...]) into an object. */
function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}

export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  async issue(record: ResetTokenRecord, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(ISSUE, {
      keys: [this.keys.token(record.id), this.keys.userTokens(record.userId), this.keys.expiry, this.keys.dead],
      arguments: [
        this.keys.tokenPrefix,
        record.id,
        record.userId,
        String(record.issuedAt.getTime()),
        String(record.expiresAt.getTime()),
        record.issuedBy ?? '',
        record.issuedBy === null ? '0' : '1',
        record.passwordStamp,
      ],
    });
  }

  async find(id: string, now: Date, options?: StoreCallOptions): Promise<ResetTokenRecord | null> {
    options?.signal.throwIfAborted();
    const fields = await this.redis.hGetAll(this.keys.token(id));
    const outstanding = fields['state'] === 'outstanding' && fields['claim'] === undefined && Number(fields['expiresAt']) > now.getTime();
    return outstanding ? toRecord(id, fields) : null;
  }

  async redeem(id: string, now: Date, apply: (record: ResetTokenRecord) => Promise<void>, options?: StoreCallOptions): Promise<ResetTokenRecord | null> {
    options?.signal.throwIfAborted();
    const marker = randomBytes(16).toString('base64url');
    const claimed = (await this.redis.eval(CLAIM, { keys: [this.keys.token(id)], arguments: [String(now.getTime()), marker] })) as string[] | null;
    if (claimed === null) return null;
    const record = toRecord(id, pairs(claimed));
    const settle = (script: string) => this.redis.eval(script, { keys: [this.keys.token(id), this.keys.userTokens(record.userId), this.keys.dead], arguments: [marker, id] });
    try {
      // Nobody waits for this redemption any more: release the claim instead of writing a password.
      options?.signal.throwIfAborted();
      await apply(record);
    } catch (error) {
      await settle(UNDO);
      throw error;
    }
    // The password is written: consume the token even if the signal fired meanwhile, so the store
    // never holds a usable token for a password that changed.
    await settle(COMMIT);
    return record;
  }

  async recordRefusal(id: string, budget: number, now: Date, options?: StoreCallOptions): Promise<number | null> {
    options?.signal.throwIfAborted();
    // The user id never changes once issued, so reading it before the script is safe.
    const userId = (await this.redis.hGetAll(this.keys.token(id)))['userId'];
    if (userId === undefined) return null;
    const left = (await this.redis.eval(RECORD_REFUSAL, {
      keys: [this.keys.token(id), this.keys.userTokens(userId), this.keys.dead],
      arguments: [String(now.getTime()), String(Math.max(1, Math.floor(budget))), id],
    })) as number | null;
    return left === null ? null : Number(left);
  }

  async revokeForUser(userId: string, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(REVOKE_FOR_USER, { keys: [this.keys.userTokens(userId), this.keys.dead], arguments: [this.keys.tokenPrefix] });
  }

  async listOutstanding(userId: string, now: Date, options?: StoreCallOptions): Promise<ResetTokenRecord[]> {
    options?.signal.throwIfAborted();
    const found = (await this.redis.eval(LIST_OUTSTANDING, { keys: [this.keys.userTokens(userId)], arguments: [this.keys.tokenPrefix, String(now.getTime())] })) as [
      string,
      string[],
    ][];
    return found.map(([id, flat]) => toRecord(id, pairs(flat))).sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime());
  }

  async revokeOutstanding(userId: string, tokenId: string | null, now: Date, options?: StoreCallOptions): Promise<number> {
    options?.signal.throwIfAborted();
    return Number(
      await this.redis.eval(REVOKE_OUTSTANDING, {
        keys: [this.keys.userTokens(userId), this.keys.dead],
        arguments: [this.keys.tokenPrefix, String(now.getTime()), tokenId ?? ''],
      }),
    );
  }

  /** One script: reads the slot and claims it when free at `now`, so exactly one of concurrent claims wins. */
  async claimResetLinkSlot(userId: string, input: ResetLinkSlotInput, options?: StoreCallOptions): Promise<boolean> {
    options?.signal.throwIfAborted();
    const now = input.now.getTime();
    const claimed = await this.redis.eval(CLAIM_RESET_LINK, {
      keys: [this.keys.resetLink(userId)],
      arguments: [String(now), String(now + input.cooldownMs), String(input.cooldownMs + SLOT_KEEP_MS)],
    });
    return Number(claimed) === 1;
  }

  async releaseResetLinkSlot(userId: string, claimedAt: Date, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(RELEASE_RESET_LINK, { keys: [this.keys.resetLink(userId)], arguments: [String(claimedAt.getTime())] });
  }

  async purgeExpired(now: Date = new Date()): Promise<number> {
    return Number(
      await this.redis.eval(PURGE, { keys: [this.keys.expiry, this.keys.dead], arguments: [this.keys.tokenPrefix, String(now.getTime()), this.keys.userTokensPrefix] }),
    );
  }
}
