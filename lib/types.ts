/**
 * The contracts a host application implements: where users and reset tokens live
 * (`UserStore`, `TokenStore`) and who is calling (`Authorizer`).
 *
 * Every member may return a value or a promise. When a member throws or rejects,
 * the request that needed it is answered `503 server-error` and nothing the
 * library started is left half-done (see each member's notes). Every store member
 * gets a last argument `{ signal }` (`StoreCallOptions`): the signal fires when the
 * library stops waiting, and a store must not commit anything after it fired.
 *
 * Every store runs in every app instance at once: "atomic" means atomic against
 * calls from other processes on the same data, not just inside one process (an
 * in-process lock is not enough). The conformance suite checks it with two store
 * pairs (`createSecondPair`).
 */
import type { Request } from 'express';

/** A value, or a promise of it: every store and authorizer member may be async. */
export type Awaitable<T> = T | Promise<T>;

/** The last argument of every store call. */
export interface StoreCallOptions {
  /**
   * Fires when the library stops waiting for this call (after `storeTimeoutMs`) and answers 503.
   * From then on the store must not commit anything for this call: check it before each write and
   * before a commit, and roll back instead (pass it on to a driver that takes one). A write that
   * commits anyway (a store that cannot cancel, or one that was committing as the signal fired)
   * is not lost: after a timed-out password write the library reads the user again once the call
   * settles, and when the new hash is there it finishes the change (revokes tokens, emits the
   * events, runs `onPasswordChanged`).
   */
  readonly signal: AbortSignal;
}

/** A user as the library needs to see it. Hosts may return extra fields; they are ignored. */
export interface PasswordUser {
  /** Subject id: a UUID, the `:sid` of `POST /users/:sid/password/reset`. */
  readonly id: string;
  /** Unique login name. The policy refuses passwords that contain it. */
  readonly login: string;
  /** The stored password hash, or null when the user has no local password yet. */
  readonly passwordHash: string | null;
  /** True for users from LDAP or SAML. They have no local password: every route refuses them with 403. */
  readonly isRemote: boolean;
  /** True when the account is revoked (by an admin or by the failed-attempt lockout). */
  readonly isRevoked: boolean;
  /**
   * Who revoked it, when `isRevoked` is true: `'lockout'` (failed attempts; a reset token lifts
   * it), `'admin'` (only an administrator's reinstate lifts it) or `'inactivity'` (`accountExpiryDays`;
   * an administrator's reinstate or reset lifts it). Missing or null on a revoked
   * account reads as `'admin'`, the safe choice for stores that do not record the kind.
   */
  readonly revokedBy?: RevocationKind | null;
  /** Consecutive failed attempts since the last success or reinstatement. Missing means 0. */
  readonly failedAttempts?: number;
  /** In temporary lockout mode: the account refuses logins until this instant. Missing or null means not locked. */
  readonly lockedUntil?: Date | null;
  /** The stored email address, where self-service reset links go (`sendResetLink`). Missing or null: no mail. */
  readonly email?: string | null;
  /**
   * When the current password was set (by any write but a hash upgrade), for `passwordMaxAgeDays`.
   * Missing or null: not known, and the password is never judged too old.
   */
  readonly passwordChangedAt?: Date | null;
  /**
   * True when the user must choose a new password before signing in again (an administrator's
   * `requirePasswordChange`, or a password set with `resetRequiresChange`). Missing means false.
   */
  readonly passwordChangeRequired?: boolean;
  /** The last successful sign-in (`recordLogin`), or null when never. For `accountExpiryDays`. */
  readonly lastLogin?: Date | null;
  /** When the account was created, when the store knows. For `accountExpiryDays`. */
  readonly createdAt?: Date | null;
  /** When an administrator last reinstated the account (`setRevoked(id, false)`), when the store records it. For `accountExpiryDays`. */
  readonly reactivatedAt?: Date | null;
  /** True for a superuser: never revoked for inactivity. Missing means false. */
  readonly isSuperuser?: boolean;
}

/**
 * The kinds of revocation. `'lockout'`: the failed-attempt lockout revoked the account, and
 * redeeming a reset token reinstates it. `'admin'`: an administrator revoked it, and only an
 * administrator's reinstate lifts it. `'inactivity'`: `accountExpiryDays` revoked an account that
 * had not signed in for that long; an administrator's reinstate lifts it, and so does a reset by an
 * administrator (`setPasswordAsAdmin`, or a token an administrator issued), never a self-service one.
 */
export type RevocationKind = 'lockout' | 'admin' | 'inactivity';

/** How an account reacts when its failed-attempt counter reaches the threshold. */
export type LockoutAction =
  /** The product's behaviour: revoke the account (kind `'lockout'`) until an admin reinstates it or a reset token is redeemed. */
  | { readonly mode: 'revoke' }
  /**
   * Lock the account until `now + min(baseMs * 2^lockouts, maxMs)`, where `lockouts` counts
   * earlier temporary locks since the last success. The counter restarts at 0 after each lock.
   */
  | { readonly mode: 'temporary'; readonly baseMs: number; readonly maxMs: number };

/** What `UserStore.recordFailedAttempt` is asked to do. */
export interface FailedAttemptInput {
  /** Number of failed attempts at which the account locks. */
  readonly threshold: number;
  readonly action: LockoutAction;
  /** The library's clock reading for this request. */
  readonly now: Date;
}

/** The account's state after `UserStore.recordFailedAttempt`. */
export interface FailedAttemptResult {
  /** The counter after this call. Never above the threshold; 0 after a temporary lock, which restarts it. */
  readonly failedAttempts: number;
  /**
   * True only for the one call that locked the account: its increment reached the threshold, or
   * it found the counter already at the threshold on an active account (see `recordFailedAttempt`).
   */
  readonly lockedNow: boolean;
  readonly isRevoked: boolean;
  readonly lockedUntil: Date | null;
}

/** One password write, applied by `UserStore.setPassword` as a single atomic change. */
export interface PasswordWrite {
  /** The new hash, made by the configured hasher. */
  readonly passwordHash: string;
  /**
   * The hash being replaced, as the library read it (null when the user had none). The store
   * writes only while the user's current hash still equals it (compare-and-set), so of two
   * concurrent changes one wins and the other gets false. The replaced hash goes to the front of
   * the user's password history; the store keeps at most `historySize` entries.
   */
  readonly previousHash: string | null;
  /** How many earlier hashes to keep. 0 means keep none (and drop any kept before). */
  readonly historySize: number;
  /**
   * When true, also clear a revocation by the lockout (`revokedBy: 'lockout'`), the failed-attempt
   * counter and any temporary lock. A revocation by an administrator (or of unknown kind) stays:
   * the store decides this in the same atomic step as the write, from the state it holds then.
   */
  readonly reinstate: boolean;
  /**
   * With `reinstate`: also lift a revocation for inactivity (`revokedBy: 'inactivity'`), in the same
   * atomic step. Set for a reset by an administrator (`setPasswordAsAdmin`, a token an administrator
   * issued), the way back from `accountExpiryDays`. Stores without inactivity revocations ignore it.
   */
  readonly liftInactivity?: boolean;
  /**
   * True when the password itself is unchanged and only its hash is upgraded (a legacy hash
   * replaced after a successful sign-in). The store should then leave the history alone: the
   * old hash is of the same password. A store that ignores this keeps one redundant entry.
   */
  readonly rehash?: boolean;
  /**
   * Set by a change of one's own password (`PUT /users/current/password`): write only while the
   * account is still active at this instant (not revoked, and `lockedUntil` not after it), decided
   * in the same atomic step as the compare-and-set. A concurrent failed attempt that locked the
   * account meanwhile then wins, and the store answers false. When the write goes through, the
   * same atomic step also clears the counter, the temporary-lock history and any run-out lock (as
   * `recordSuccessfulAttempt` does): the right current password is a success, and clearing it in
   * a step of its own would leave a cleared counter behind a write a revoke or lock then refused.
   * Stores that implement `recordSuccessfulAttempt` must honour both; older stores may ignore
   * `activeAt` (see there: the library then clears before the write, which narrows the race only).
   */
  readonly activeAt?: Date;
  /**
   * When the new password was set (the library's clock), on every write but a hash upgrade
   * (`rehash`). Stores that keep `passwordChangedAt` record it in the same atomic step.
   */
  readonly changedAt?: Date;
  /**
   * On every write but a hash upgrade: the new value of `passwordChangeRequired`, in the same
   * atomic step. True for a password an administrator set with `resetRequiresChange`; false for
   * every other write, so choosing a new password clears the flag. A hash upgrade leaves it alone.
   */
  readonly changeRequired?: boolean;
}

/** What `UserStore.recordSuccessfulAttempt` is told: the hash the password was verified against, and the clock. */
export interface SuccessfulAttemptInput {
  /** The stored hash the library just verified the password against. */
  readonly passwordHash: string;
  /** The library's clock reading for this request. */
  readonly now: Date;
}

/**
 * What `UserStore.recordSuccessfulAttempt` found, in the same atomic step: `'ok'` (active, same
 * hash: the counter and any temporary-lock history were cleared), or why nothing changed:
 * `'revoked'`, `'locked'` (`lockedUntil` after `now`), `'password-changed'` (the hash is no
 * longer the verified one).
 */
export type SuccessfulAttemptOutcome = 'ok' | 'revoked' | 'locked' | 'password-changed';

/**
 * Where the host keeps its users. Required members are needed by the router itself;
 * optional members switch on the features that need them, and the library says at
 * construction time when a feature is configured but its member is missing.
 */
export interface UserStore {
  /**
   * Required. The user with this id, or null when there is none. The id is already known to be
   * a well-formed UUID. Throwing answers 503 and changes nothing.
   */
  findById(id: string, options?: StoreCallOptions): Awaitable<PasswordUser | null>;

  /**
   * Optional (a database can answer in one round trip what `findById` answers in several; without
   * it the service calls `findById` once per id). The users with these ids, read in one step: one
   * entry per id, in the order of `ids`, each what `findById` would resolve for it (null when
   * there is no such user). The ids are well-formed UUIDs. Throwing answers 503 and changes nothing.
   * The service uses it where it needs two users at once: the caller and the target of an issue.
   */
  findByIds?(ids: readonly string[], options?: StoreCallOptions): Awaitable<readonly (PasswordUser | null)[]>;

  /**
   * Optional; required by `verifyLogin` (the login helper) and the CLI. The user with this login,
   * or null. Logins are compared exactly as the host stores them.
   */
  findByLogin?(login: string, options?: StoreCallOptions): Awaitable<PasswordUser | null>;

  /**
   * Optional; lets `POST /auth/forgot` take `{"email"}`. The user whose stored email is exactly
   * `email` (as the host's `normalizeIdentifier` left it), or null. Never fold case or Unicode
   * here: the library also checks that the returned user's `email` equals `email` exactly, so a
   * look-alike address (`mıke@` with a dotless ı for `mike@`) finds nobody. Two users with the
   * same address: return null. Throwing is logged; the caller's answer does not change.
   */
  findByEmail?(email: string, options?: StoreCallOptions): Awaitable<PasswordUser | null>;

  /**
   * Required. Writes a new password hash if the current one still equals `write.previousHash`,
   * records the previous one in the history, and when `write.reinstate` is set clears a lockout
   * revocation (never an administrator's), counter and lock, all as one atomic change. Returns false when the user no longer exists or
   * the hash changed meanwhile. `previousHash: null` is a compare-and-set too: it writes only
   * while the user has no hash, and never overwrites one. Throwing must leave the old password in
   * place.
   *
   * Reinstating (`reinstate: true`, and `setRevoked(id, false)`) also resets the temporary-lock
   * history: the next temporary lock waits `baseMs` again, as after a successful login.
   */
  setPassword(id: string, write: PasswordWrite, options?: StoreCallOptions): Awaitable<boolean>;

  /**
   * Optional; needed for `passwordHistory > 0`. Up to `limit` earlier password hashes, most
   * recent first (the current hash is not part of it). Throwing answers 503.
   */
  getPasswordHistory?(id: string, limit: number, options?: StoreCallOptions): Awaitable<readonly string[]>;

  /**
   * Required for lockout (on by default). Atomically increments the failed-attempt counter unless
   * the account is already revoked or locked (`lockedUntil` after `input.now`), never past the
   * threshold. When the counter reaches the threshold, applies `input.action` in the same atomic
   * step (a revoke records `revokedBy: 'lockout'`). A counter that is already at the threshold on an active account (the host cleared the
   * revoked flag without clearing the counter, from its own admin screen or another app writing
   * the same column) also applies the action again: guessing never goes on unchecked. N
   * concurrent calls, from any number of app instances, move the counter by exactly
   * min(N, room left) and lock exactly once. Returns null when the user does not exist.
   * `verifyLogin` also calls it with a random id that matches no user, for an unknown login or a
   * closed account, so that those cost the same round trip: that call must change nothing.
   */
  recordFailedAttempt?(id: string, input: FailedAttemptInput, options?: StoreCallOptions): Awaitable<FailedAttemptResult | null>;

  /**
   * Required for lockout. Sets the counter and the temporary-lock history back to zero and lifts
   * any temporary lock, after a successful login. Does not touch `isRevoked`. A no-op for unknown users.
   */
  clearFailedAttempts?(id: string, options?: StoreCallOptions): Awaitable<void>;

  /**
   * Optional; orders a success against concurrent failures (recommended, and the library's stores
   * have it). After a right password, atomically: when the account is still active at
   * `input.now` (not revoked, not locked) and its hash still equals `input.passwordHash`, clears
   * the counter, the temporary-lock history and any run-out lock, and answers `'ok'`; otherwise
   * changes nothing and answers what it found. Null for an unknown user. Run against
   * `recordFailedAttempt` on the same user from any number of app instances, one of the two comes
   * first: a success never clears a counter that a failure already took to the threshold.
   * Implementing it also promises to honour `PasswordWrite.activeAt` (the active check, and the
   * clear that goes with the write).
   *
   * Without it the library falls back to `clearFailedAttempts` and then reads the user again,
   * refusing the success when the account is no longer active or the hash changed: that narrows
   * the race but cannot close it (a failure between the two calls can still lock an account that
   * then answers 200, and in temporary mode the clear can lift a lock set just before it).
   */
  recordSuccessfulAttempt?(id: string, input: SuccessfulAttemptInput, options?: StoreCallOptions): Awaitable<SuccessfulAttemptOutcome | null>;

  /**
   * Optional; used by the reinstate/revoke helpers and the CLI. `setRevoked(id, true)` is an
   * administrator's revocation: it sets `isRevoked` with `revokedBy: 'admin'` (also over a lockout
   * revocation). `setRevoked(id, false)` is an administrator's reinstate: it clears either kind
   * together with the counter, any temporary lock and the temporary-lock history. Returns false
   * when the user does not exist.
   */
  setRevoked?(id: string, revoked: boolean, options?: StoreCallOptions): Awaitable<boolean>;

  /**
   * Optional; needed by `passwordMaxAgeDays`, `resetRequiresChange` and `requirePasswordChange`.
   * Sets or clears the user's `passwordChangeRequired` flag; false when the user does not exist.
   * Implementing it also promises to report `passwordChangeRequired` and `passwordChangedAt` on
   * the users the store returns, and to honour `PasswordWrite.changedAt` and `changeRequired`.
   */
  setPasswordChangeRequired?(id: string, required: boolean, options?: StoreCallOptions): Awaitable<boolean>;

  /**
   * Optional; needed by `accountExpiryDays` (with `expireInactive`). Every user that is local, not
   * revoked and (where the store knows) not a superuser, whose last activity is before `cutoff`:
   * the latest of the last successful sign-in (`recordLogin`), the password's time
   * (`passwordChangedAt`), the last reinstatement (`reactivatedAt`) and the creation time. A user
   * with none of them is never inactive. A read: the sweep
   * revokes each with `expireInactive`, which decides again atomically.
   */
  findInactive?(cutoff: Date, options?: StoreCallOptions): Awaitable<readonly PasswordUser[]>;

  /**
   * Optional; needed by `accountExpiryDays`. In one atomic step: when the user is local, not revoked,
   * not a superuser (where the store knows) and its last activity (as `findInactive` judges it) is
   * before `cutoff`, revoke it with `revokedBy: 'inactivity'` and answer true; otherwise change
   * nothing and answer false (an unknown user too). N concurrent calls from any number of app
   * instances revoke once: exactly one answers true. The users the store returns must then carry
   * `lastLogin` (and `createdAt` where known), and `setRevoked(id, false)` lifts this kind too and
   * records `reactivatedAt` (the store's clock), so a reinstated account starts a new period.
   */
  expireInactive?(id: string, cutoff: Date, options?: StoreCallOptions): Awaitable<boolean>;

  /** Optional. Records a successful login time (the product's `last_login`). */
  recordLogin?(id: string, at: Date, options?: StoreCallOptions): Awaitable<void>;
}

/** What the library keeps about an issued reset token. Never the token itself. */
export interface ResetTokenRecord {
  /** The token's `jti` claim: random, at least 128 bits, base64url. */
  readonly id: string;
  /** The user the token resets. */
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The principal's user id that issued it (for audits), or null when not known. */
  readonly issuedBy: string | null;
  /**
   * A short digest binding the token to the user's password hash at issue time, so any password
   * change by any route kills it. Not a secret, and not reversible to the hash.
   */
  readonly passwordStamp: string;
}

/**
 * Where issued reset tokens are tracked. The token itself is never stored: only its id (`jti`).
 * Every member is required except `recordRefusal`, `listOutstanding`, `revokeOutstanding`,
 * `purgeExpired`, `issueAndCheck` and the reset-link slot pair.
 *
 * A token is *outstanding* while it is not used, not revoked and not expired. Expiry is judged
 * by the `now` argument alone, at exactly `expiresAt` (`expiresAt <= now` is expired), never by
 * the store's own clock (a TTL may only delete records well after they expired).
 */
export interface TokenStore {
  /**
   * Records a newly issued token and, in the same atomic step, revokes every other outstanding
   * token of the same user (a newer token supersedes older ones). Throwing answers 503 and the
   * token is never handed out.
   */
  issue(record: ResetTokenRecord, options?: StoreCallOptions): Awaitable<void>;

  /**
   * Optional (a store shared with the user store's database can save round trips with it; without
   * it the service calls `issue`, then `find` and `UserStore.findById`). Does what `issue` does,
   * then, once that is committed (durable and visible to every instance), reads in one atomic
   * step whether the token is still outstanding at `now` and the user's current password hash.
   * The read must come after the commit, never from inside it: a password write or a concurrent
   * issue committed in between must show in it. Throwing answers 503 and the token is never
   * handed out.
   */
  issueAndCheck?(record: ResetTokenRecord, now: Date, options?: StoreCallOptions): Awaitable<IssuedTokenCheck>;

  /**
   * The record of a token that is still usable (not used, not revoked, not expired at `now`), or
   * null. Does not consume it. Used to refuse bad tokens before any password hashing.
   */
  find(id: string, now: Date, options?: StoreCallOptions): Awaitable<ResetTokenRecord | null>;

  /**
   * Redeems a token: claims it atomically (outstanding at `now`), then runs `apply(record)`.
   * Exactly one of any number of concurrent calls for the same id, from any number of app
   * instances, gets to run `apply`; the others resolve null. Resolves the claimed record when
   * `apply` succeeded, and the token is then used.
   *
   * `apply` only calls `UserStore.setPassword` with `reinstate: true` for the token's user (with
   * its own signal), and it may throw: the password changed meanwhile, or the write failed or
   * timed out. Then the claim must be undone (or never committed) so the token stays usable, and
   * the error is rethrown.
   *
   * With multi-statement transactions: claim, `apply` and commit in one transaction (the
   * PostgreSQL store). Without them (Redis, a document store): claim -> apply -> commit or undo.
   * The claim marks the record with a unique claim marker (a random value) in one atomic step
   * that also checks it is outstanding; commit and undo act only while the record still carries
   * that marker. While claimed, the record is not outstanding for `find` or other redeems, and
   * `purgeExpired` never deletes it. An undone claim never brings back a token that was revoked
   * (by `revokeForUser` or a newer `issue`) while it was claimed: it ends revoked.
   */
  redeem(id: string, now: Date, apply: (record: ResetTokenRecord) => Promise<void>, options?: StoreCallOptions): Promise<ResetTokenRecord | null>;

  /**
   * Optional (stores without it make the first such refusal kill the token). Counts one refused
   * redemption of a usable token (a reused password, which costs a hash comparison and so is an
   * oracle) and, when the count reaches `budget`, revokes the token, in one atomic step. Resolves
   * the refusals left after this one (0: this call spent the budget and the token is dead), or
   * null when the token was not usable (used, revoked, expired at `now`, unknown) and nothing was
   * counted. N concurrent calls on a fresh token with budget B: exactly min(N, B) resolve a number.
   */
  recordRefusal?(id: string, budget: number, now: Date, options?: StoreCallOptions): Awaitable<number | null>;

  /**
   * Revokes every outstanding token of a user (after a password change or an administrator's
   * revocation). A no-op when there are none.
   * Throwing is logged and the password change still succeeds: the tokens are already dead, since
   * their password stamp no longer matches.
   */
  revokeForUser(userId: string, options?: StoreCallOptions): Awaitable<void>;

  /**
   * Optional, together with `revokeOutstanding`: switches on the administrators' list of a user's
   * outstanding reset links (`GET /users/:sid/password/reset-tokens`; without the members those
   * routes answer 501, and a store with only one of them is refused at start). The user's tokens that are outstanding at `now` (not used, not revoked,
   * not expired at `now`, not claimed by a redemption in flight), oldest first. A snapshot: a
   * store whose claims are uncommitted transactions (PostgreSQL) may still list a token whose
   * redemption is in flight.
   */
  listOutstanding?(userId: string, now: Date, options?: StoreCallOptions): Awaitable<readonly ResetTokenRecord[]>;

  /**
   * Optional, together with `listOutstanding`. Revokes the user's tokens outstanding at `now`
   * (only the one with id `tokenId` when given, and only if it is this user's) in one atomic
   * step, and resolves how many it revoked: 0 when none was outstanding.
   *
   * Against a concurrent `redeem` of the same token, exactly one wins: either this call counts
   * the token (and the redemption resolves null without running `apply`), or the redemption
   * succeeds and this call does not count it. A token whose claim is in flight is not counted
   * unless the store waits for the claim to settle (a row lock does): it is marked, as by
   * `revokeForUser`, so that an undone claim leaves it revoked, never usable again.
   */
  revokeOutstanding?(userId: string, tokenId: string | null, now: Date, options?: StoreCallOptions): Awaitable<number>;

  /**
   * Optional. Deletes used and revoked records, and those expired at `now`; returns how many it
   * deleted (stores that drop used and revoked records at once count only expired ones). Never
   * deletes a record whose redemption is in flight (claimed). Hosts schedule it; the memory store
   * also sweeps by itself. The library itself never calls it, so it gets no signal.
   */
  purgeExpired?(now: Date): Awaitable<number>;

  /**
   * Optional, with `releaseResetLinkSlot` (both or neither). Claims the user's self-service reset
   * link slot (`POST /auth/forgot`) for `cooldownMs` from `now`, in one atomic step: true when the
   * previous slot was free at `now` (none, or its window ended: `claimedAt + its cooldownMs <=
   * now`), false otherwise. Of any number of concurrent calls for one user, from any number of app
   * instances, exactly one resolves true within a window. Judged by `now` alone, never the
   * store's clock (a TTL may only delete slots well after their window ended). With these members
   * the cooldown is shared by every instance on the store; without them each process keeps its own.
   */
  claimResetLinkSlot?(userId: string, input: ResetLinkSlotInput, options?: StoreCallOptions): Awaitable<boolean>;

  /**
   * Gives back the slot claimed at `claimedAt` (the `now` of the winning claim) when no link went
   * out after all, so the user may ask again at once. Only while the slot still holds that claim:
   * it never frees a later one. A no-op otherwise.
   */
  releaseResetLinkSlot?(userId: string, claimedAt: Date, options?: StoreCallOptions): Awaitable<void>;
}

/** What `TokenStore.issueAndCheck` resolves: one read, after the issue committed. */
export interface IssuedTokenCheck {
  /** Whether the issued token was still outstanding at the read (not superseded, revoked, used, or expired at `now`). */
  readonly outstanding: boolean;
  /** The user's password hash at the same read: null when the user has none, undefined when there is no such user any more. */
  readonly passwordHash: string | null | undefined;
}

/** What `TokenStore.claimResetLinkSlot` gets. */
export interface ResetLinkSlotInput {
  /** How long the claimed slot keeps other claims out, in ms (`resetLinkCooldownSeconds`); 0 keeps none out. */
  readonly cooldownMs: number;
  /** The library's clock reading for this request; it becomes the slot's `claimedAt`. */
  readonly now: Date;
}

/**
 * The calling principal, as the host's authentication sees it. Hosts may carry extra fields
 * (roles, permissions) for their own `canResetPassword`.
 */
export interface Principal {
  /** The id of the principal's user in the `UserStore`: the "current user" of `PUT /users/current/password`. */
  readonly userId: string;
}

/**
 * The host's permission checks: what the core service decides with. `createPasswordService`
 * needs only these; the router's `Authorizer` adds authentication.
 */
export interface PermissionChecks<P extends Principal = Principal> {
  /**
   * Required. Whether `principal` may issue a reset token for `user` (the product's
   * `users:reset_password:<sid>` permission). False answers 403. Throwing answers 503.
   */
  canResetPassword(principal: P, user: PasswordUser): Awaitable<boolean>;

  /**
   * Optional. Whether `principal` may create users (the product's `users:create` permission).
   * `POST /command/validate-login` reports `login-taken` only to callers for whom this is true,
   * so the route tells no one else which logins exist; without this member it never does.
   * Throwing answers 503.
   */
  canCreateUsers?(principal: P): Awaitable<boolean>;
}

/** The host's authentication and permission checks, as the router needs them. */
export interface Authorizer<P extends Principal = Principal> extends PermissionChecks<P> {
  /**
   * Required. The principal behind this request, or null when the request carries no valid
   * credentials (answered 401 `user-unauthenticated`). Throwing answers 503.
   */
  authenticate(req: Request): Awaitable<P | null>;
}

/** What the library tells a hasher about one call, besides the password. */
export interface HashOptions {
  /**
   * Whose work this is: the client address of the HTTP request by default (the router's
   * `hashFairnessKey`), a fixed key for direct service calls and the CLI. The worker pool serves
   * keys fairly and bounds each one's queue; other hashers may ignore it.
   */
  readonly fairnessKey?: string;
}

/** Turns passwords into stored hashes and checks them. Receives passwords already NFKC-normalized. */
export interface Hasher {
  /**
   * Optional. True when `hash` and `verify` take a trailing `HashOptions` argument (the worker
   * pool does); the library passes one only then, so older hashers see the calls they expect.
   */
  readonly fairnessKeys?: boolean;
  /** A new salted hash of `password`. */
  hash(password: string, options?: HashOptions): Promise<string>;
  /** Whether `password` matches `hash`. Must not throw for a malformed hash: resolve false. */
  verify(password: string, hash: string, options?: HashOptions): Promise<boolean>;
  /**
   * Optional. The longest password, in UTF-8 bytes, this hasher reads in full (72 for bcrypt).
   * Longer passwords are refused with a clear 400 instead of being silently truncated.
   */
  readonly maxPasswordBytes?: number;
  /** Optional. The scheme name reported in `password-rehashed` events (`bcrypt` for the library's hashers). */
  readonly scheme?: string;
  /**
   * Optional. Whether `hash` is in this hasher's own format. When given, hashes it does not
   * recognize go to the legacy verifiers (`legacyHashes`) and, failing those, never match. When
   * missing, this hasher gets every hash no legacy verifier recognizes.
   */
  recognizes?(hash: string): boolean;
  /** Optional. Whether a hash this hasher verified should be replaced by a new one (other parameters). */
  needsRehash?(hash: string): boolean;
}
