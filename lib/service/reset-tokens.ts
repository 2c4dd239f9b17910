/**
 * Reset tokens from issue to use: signing and recording one (and confirming, after the insert,
 * that it is live), checking one presented for use, and counting the refusals it may get.
 */
import { PasswordApiError } from '../errors.ts';
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import { newTokenId, passwordStamp, type ResetTokenClaims, type ResetTokenCodec } from '../tokens/reset-token.ts';
import type { PasswordUser, ResetTokenRecord, StoreCallOptions } from '../types.ts';
import type { HashUpgrades } from './hash-upgrades.ts';
import type { IssuedResetToken } from './results.ts';
import type { ServiceParts } from './service-parts.ts';
import { AbortRedemption, storeCall } from './store-call.ts';

const log = createLogger('service');
/** How many times an issue that lost to a password write inserts again (issue 18, race 3) before it answers 409. */
const ISSUE_ATTEMPTS = 3;

export interface ResetTokensDeps {
  readonly parts: ServiceParts;
  readonly codec: ResetTokenCodec;
  readonly lifetimeMs: number;
  readonly publicUrl: URL | undefined;
  readonly reuseRefusals: number;
  readonly upgrades: HashUpgrades;
}

export class ResetTokens {
  readonly #deps: ResetTokensDeps;

  constructor(deps: ResetTokensDeps) {
    this.#deps = deps;
  }

  /** Issues a token for `user`: the admin route's and the self-service link's common path. */
  async issue(user: PasswordUser, issuedBy: string | null, context: CallContext, via?: 'self-service'): Promise<IssuedResetToken> {
    const { parts, codec, lifetimeMs, publicUrl } = this.#deps;
    let current = user;
    for (let attempt = 1; ; attempt++) {
      const issuedAt = parts.now();
      const expiresAt = new Date(issuedAt.getTime() + lifetimeMs);
      const id = newTokenId();
      const token = codec.sign(current.id, id, issuedAt, expiresAt);
      const record: ResetTokenRecord = { id, userId: current.id, issuedAt, expiresAt, issuedBy, passwordStamp: passwordStamp(id, current.passwordHash) };
      const stale = await this.#issueConfirmed(record, current, attempt < ISSUE_ATTEMPTS);
      if (stale !== null) {
        current = stale;
        continue;
      }
      log('reset token issued for user %s by %s, expires %s', current.id, issuedBy ?? via ?? '-', expiresAt.toISOString());
      parts.emit('reset-token-issued', current.id, issuedBy, context, { expiresAt: expiresAt.toISOString(), ...(via === undefined ? {} : { via }) });
      return { token, userId: current.id, expiresAt, ...(publicUrl === undefined ? {} : { link: linkFor(publicUrl, token) }) };
    }
  }

  /**
   * Records the token, then confirms it was live once recorded (null), or refuses it. The stamp
   * binds the hash read before the insert; a redemption (or change) may have replaced it since,
   * and the token would be dead on arrival. So, after the insert: is the token still outstanding,
   * and then is the hash still the stamped one? Hashes are salted and never recur, so both held
   * at the first read: a token handed out was live then. A store with `issueAndCheck` records and
   * reads both in one call (one read, after its commit); others get `issue`, `find`, `findById`.
   */
  async #issueConfirmed(record: ResetTokenRecord, user: PasswordUser, mayRetry: boolean): Promise<PasswordUser | null> {
    const { parts } = this.#deps;
    const { tokens } = parts;
    const issueAndCheck = tokens.issueAndCheck;
    if (typeof issueAndCheck === 'function') {
      const seen = await parts.call('tokenStore.issueAndCheck', (o) => issueAndCheck.call(tokens, record, parts.now(), o));
      const live = seen.outstanding && seen.passwordHash !== undefined && this.#stampMatches(record, user.id, seen.passwordHash);
      if (live) return null;
      // Only a token still outstanding, stamped with a replaced hash, issues again, on the user read afresh.
      const retry = async () => (seen.outstanding && seen.passwordHash !== undefined ? parts.findUser(user.id) : null);
      return this.#refuseIssued(record, user, seen.outstanding, mayRetry, retry);
    }
    await parts.call('tokenStore.issue', (o) => tokens.issue(record, o));
    const outstanding = await parts.call('tokenStore.find', (o) => tokens.find(record.id, parts.now(), o));
    const fresh = outstanding === null ? null : await parts.findUser(user.id);
    if (fresh !== null && this.#stampMatches(record, fresh.id, fresh.passwordHash)) return null;
    return this.#refuseIssued(record, user, outstanding !== null, mayRetry, async () => fresh);
  }

  /**
   * A token that was not live once recorded is killed (alone, when the store can). When it was
   * still outstanding but stamped with a replaced hash, this issue came after that password write
   * and its insert superseded whatever was issued since: it issues again on the fresh user
   * (returned, while `mayRetry`), so it answers after those issues with a live token instead of
   * a 409 that ended theirs. A token already superseded or revoked answers `409 conflict`: the
   * admin issues again.
   */
  async #refuseIssued(record: ResetTokenRecord, user: PasswordUser, outstanding: boolean, mayRetry: boolean, fresh: () => Promise<PasswordUser | null>): Promise<PasswordUser> {
    const { parts } = this.#deps;
    const { tokens } = parts;
    log('reset token for user %s was superseded or its password changed while it was issued; refused', user.id);
    // A budget of one refusal revokes exactly this token; revokeForUser could kill a newer one.
    const kill = tokens.recordRefusal;
    if (outstanding && typeof kill === 'function') {
      await parts.call('tokenStore.recordRefusal', (o) => kill.call(tokens, record.id, 1, parts.now(), o)).catch(() => undefined);
    }
    const next = mayRetry ? await fresh() : null;
    if (next !== null && !next.isRemote) return next;
    throw new PasswordApiError('conflict', 'The password changed while the reset token was issued, so the token would not work; issue a new one');
  }

  /** Whether the token's stamp binds the user's current hash (or the hash this process upgraded it from: the same password). */
  #stampMatches(record: ResetTokenRecord, userId: string, passwordHash: string | null): boolean {
    if (passwordStamp(record.id, passwordHash) === record.passwordStamp) return true;
    const upgradedFrom = this.#deps.upgrades.rehashedFrom(userId, passwordHash);
    return upgradedFrom !== undefined && passwordStamp(record.id, upgradedFrom) === record.passwordStamp;
  }

  /** The record and user of a token that may be used now (signature, expiry, outstanding, same password), or `invalid-token`. */
  async usable(token: string): Promise<{ record: ResetTokenRecord; user: PasswordUser }> {
    const { parts, codec } = this.#deps;
    const now = parts.now();
    const verified = codec.verify(token, now);
    if (!verified.ok) {
      log('reset token refused: %s', verified.reason);
      throw verified.reason === 'expired' ? new PasswordApiError('invalid-token', 'The reset token has expired') : invalidToken();
    }
    const claims: ResetTokenClaims = verified.claims;
    const record = await parts.call('tokenStore.find', (o) => parts.tokens.find(claims.jti, now, o));
    if (record === null || record.userId !== claims.sub) throw invalidToken();
    const user = await parts.findUser(claims.sub);
    if (user === null || user.isRemote) throw invalidToken();
    // A token stays good across this process's upgrade of the same password's hash: only a real change kills it.
    if (!this.#stampMatches(record, user.id, user.passwordHash)) throw invalidToken();
    return { record, user };
  }

  /**
   * Charges a reused-password refusal to the token before it is told: each one is a guess at the
   * stored hashes. Throws `invalid-token` when a concurrent refusal spent the budget meanwhile
   * (this verdict was never paid for, so it is not told).
   */
  async payForRefusal(record: ResetTokenRecord, userId: string): Promise<void> {
    const left = await this.#deps.parts.call('tokenStore.recordRefusal', (o) => this.spendRefusal(record.id, o));
    if (left === null) throw invalidToken();
    if (left === 0) log('reset token of user %s died: its budget of reused-password refusals is spent', userId);
  }

  /**
   * Redeems the token with the password write (`write`) as its `apply`, so the token is consumed
   * only together with the write. The write has its own timeout, shorter than the redemption's:
   * a write that hangs then fails `apply`, so the store undoes the claim before we answer 503,
   * instead of leaving the token claimed (dead) with the password never written. False when the
   * token was no longer there to redeem; `AbortRedemption` when the write lost to a concurrent one.
   */
  async redeem(tokenId: string, write: () => Promise<boolean>, late: Promise<unknown>[]): Promise<boolean> {
    const { parts } = this.#deps;
    const apply = async (): Promise<void> => {
      // The password changed since we read it (a concurrent change or reset): roll the claim back and refuse.
      if (!(await write())) throw new AbortRedemption('password changed concurrently');
    };
    const redeemed = await storeCall(
      'tokenStore.redeem',
      parts.timeoutMs * 2,
      (outer) => parts.tokens.redeem(tokenId, parts.now(), apply, outer),
      (pending) => late.push(pending),
    );
    return redeemed !== null;
  }

  /** Counts a refused redemption: the refusals left, or null when the token is dead. Stores without `recordRefusal` kill the token at the first. */
  async spendRefusal(id: string, options: StoreCallOptions): Promise<number | null> {
    const { tokens, now } = this.#deps.parts;
    if (typeof tokens.recordRefusal === 'function') return tokens.recordRefusal(id, this.#deps.reuseRefusals, now(), options);
    const record = await tokens.find(id, now(), options);
    if (record === null) return null;
    await tokens.revokeForUser(record.userId, options);
    return 0;
  }
}

export function invalidToken(): PasswordApiError {
  return new PasswordApiError('invalid-token', 'The reset token is invalid or has already been used');
}

/** The reset page with the token in its fragment (never the query: the fragment stays out of server logs and Referer). */
function linkFor(publicUrl: URL, token: string): string {
  const url = new URL(publicUrl);
  url.hash = `token=${token}`;
  return url.toString();
}
