/**
 * The framework-free core: issue, redeem, change, validate and login. The HTTP router and the CLI
 * are thin layers over it. Every refusal is decided before any password hashing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PasswordApiError, StoreUnavailableError } from '../errors.ts';
import { BreachCheckError } from '../breached/checker.ts';
import type { CallContext, PasswordChangeVia, PasswordEvent, PasswordEventType } from '../events.ts';
import { hashOptionsOf, hashWith, verifyWith } from '../hashing/hash-options.ts';
import type { VerifyOutcome } from '../hashing/legacy/hasher-chain.ts';
import { createLogger } from '../log.ts';
import type { PasswordConfig, ResolvedLockout } from '../config/password-config.ts';
import { resolveOptions } from '../config/resolve-options.ts';
import type { PasswordServiceOptions } from '../options.ts';
import {
  breachedPasswordFailure,
  checkLoginRules,
  checkPasswordRules,
  normalizePassword,
  reusedPasswordFailure,
  type LoginFailure,
  type PolicyFailure,
  type ResolvedPasswordPolicy,
} from '../policy/index.ts';
import { loginFailure } from '../policy/login-rules.ts';
import type { BreachedPasswordChecker } from '../breached/checker.ts';
import { ResetLinkThrottle, SEND_TIMEOUT_MS, type ResetLinkRequest, type SendResetLink } from '../self-service/reset-links.ts';
import { ResetTokenCodec, newTokenId, passwordStamp, type ResetTokenClaims } from '../tokens/reset-token.ts';
import type {
  Authorizer,
  FailedAttemptInput,
  HashOptions,
  Hasher,
  PasswordUser,
  Principal,
  ResetTokenRecord,
  RevocationKind,
  StoreCallOptions,
  SuccessfulAttemptOutcome,
  TokenStore,
  UserStore,
} from '../types.ts';
import { revokeByAdministrator } from './admin-revocation.ts';
import { HashUpgrades, type UpgradeVia } from './hash-upgrades.ts';
import { setUpHashing, type ServiceHashing } from './hashing-setup.ts';
import { credentialStamp } from './credential-stamp.ts';
import { isUnusableLogin } from './login-input.ts';
import { AbortRedemption, storeCall } from './store-call.ts';

const log = createLogger('service');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long to wait for a timed-out password write to settle before reading whether it committed. */
/** How many times an issue that lost to a password write inserts again (issue 18, race 3) before it answers 409. */
const ISSUE_ATTEMPTS = 3;
const LATE_WRITE_WAIT_MS = 60_000;

/** A freshly issued reset token. `token` is the secret to hand to the user, once. */
export interface IssuedResetToken {
  readonly token: string;
  readonly userId: string;
  readonly expiresAt: Date;
  /** The reset page with the token in its fragment, when `publicUrl` is configured. */
  readonly link?: string;
}

/** The answer of `validatePassword`. */
export interface PasswordValidation {
  readonly valid: boolean;
  readonly failures: readonly PolicyFailure[];
}

/** The answer of `validateLogin`: the same shape as `PasswordValidation`, with login rule ids. */
export interface LoginValidation {
  readonly valid: boolean;
  readonly failures: readonly LoginFailure[];
}

/** What a password write by token or by an administrator left behind. */
export interface PasswordWriteResult {
  /**
   * True when the account stays revoked: an administrator revoked it, and only an administrator's
   * reinstate lifts it. The password was set all the same.
   */
  readonly stillRevoked: boolean;
}

/**
 * Why `verifyLogin` refused. By default a revoked or locked account gets `invalid-credentials`
 * for any password, like an unknown login; with `revealAccountState: true` it gets `revoked` or
 * `locked` for any password. Answer them all with 401.
 */
export type LoginFailureReason = 'invalid-credentials' | 'revoked' | 'locked';

/** The answer of `verifyLogin`. */
export type LoginResult =
  | {
      readonly ok: true;
      readonly user: PasswordUser;
      /**
       * `credentialStamp` of the stored hash the password was verified against. Start the session
       * only while the user's current hash still has this stamp and the account is active, checked
       * in the same statement or transaction that inserts it (see the README, "Sessions").
       */
      readonly credential: string;
    }
  | {
      readonly ok: false;
      readonly reason: LoginFailureReason;
      /** Set when this very attempt locked the account. */
      readonly lockedNow?: boolean;
      /** For `locked`: when the temporary lock ends. */
      readonly lockedUntil?: Date;
    };

/** The core service. Create it with `createPasswordService` or get it from `router.service`. */
export class PasswordService<P extends Principal = Principal> {
  readonly authorizer: Authorizer<P>;
  readonly #users: UserStore;
  readonly #tokens: TokenStore;
  readonly #hasher: Hasher;
  /** The primary hasher, the legacy verifiers' chain, and the pools the service made (a host's own hasher is the host's to close). */
  readonly #hashing: ServiceHashing;
  readonly #upgrades: HashUpgrades;
  /** Users whose stored hash was refused unverified, so the log says so once each. */
  readonly #refusedLogged = new Set<string>();
  readonly #codec: ResetTokenCodec;
  readonly #policy: ResolvedPasswordPolicy;
  readonly #lockout: ResolvedLockout | null;
  readonly #lifetimeMs: number;
  readonly #timeoutMs: number;
  readonly #publicUrl: URL | undefined;
  readonly #now: () => Date;
  readonly #onEvent: PasswordServiceOptions<P>['onEvent'];
  readonly #onPasswordChanged: PasswordServiceOptions<P>['onPasswordChanged'];
  readonly #breached: BreachedPasswordChecker | undefined;
  readonly #sendResetLink: SendResetLink | undefined;
  readonly #linkThrottle: ResetLinkThrottle;
  readonly #normalizeIdentifier: (value: string) => string;
  readonly #linkWork = new Set<Promise<void>>();
  readonly #revealAccountState: boolean;
  readonly #reuseRefusals: number;
  #dummyHash: Promise<string> | undefined;

  /** @internal Hosts get a service from `createPasswordService` or `router.service`, which check the options first. */
  constructor(config: PasswordConfig<P>) {
    this.#users = config.userStore;
    this.#tokens = config.tokenStore;
    this.authorizer = config.authorizer;
    this.#codec = new ResetTokenCodec([...config.tokenKeys], config.tokenIssuer, config.clockToleranceSeconds);
    this.#lifetimeMs = config.resetTokenLifetimeMs;
    this.#timeoutMs = config.storeTimeoutMs;
    this.#hashing = setUpHashing(config.hashing);
    this.#hasher = this.#hashing.hasher;
    this.#policy = config.policy;
    this.#lockout = config.lockout;
    this.#publicUrl = config.publicUrl === undefined ? undefined : new URL(config.publicUrl);
    this.#now = config.now;
    this.#onEvent = config.onEvent;
    this.#onPasswordChanged = config.onPasswordChanged;
    this.#upgrades = new HashUpgrades({
      users: this.#users,
      hasher: this.#hasher,
      primaryScheme: this.#hashing.chain.primaryScheme,
      historySize: () => this.#policy.passwordHistory,
      call: (operation, call) => this.#call(operation, call),
      emit: (type, userId, actorId, context, details) => this.#emit(type, userId, actorId, context, details),
    });
    this.#breached = config.breachedPasswords;
    this.#sendResetLink = config.sendResetLink;
    this.#linkThrottle = new ResetLinkThrottle(config.resetLinkCooldownMs, config.maxPendingResetLinks);
    this.#normalizeIdentifier = config.normalizeIdentifier;
    this.#revealAccountState = config.revealAccountState;
    this.#reuseRefusals = config.resetReuseRefusals;
  }

  /** The principal behind an HTTP request, or a 401. Revoked or locked principals get 401 too. */
  async authenticate(req: Parameters<Authorizer<P>['authenticate']>[0]): Promise<P> {
    const principal = await this.#call('authorizer.authenticate', () => this.authorizer.authenticate(req));
    if (principal === null || principal === undefined) throw new PasswordApiError('user-unauthenticated', 'Route requires authentication');
    if (typeof principal.userId !== 'string') throw new PasswordApiError('user-unauthenticated', 'Route requires authentication');
    return principal;
  }

  /** `POST /users/:sid/password/reset`: issues a single-use reset token for a local user. */
  async issueResetToken(principal: P, sid: string, context: CallContext = {}): Promise<IssuedResetToken> {
    await this.#requireActiveCaller(principal, false);
    const userId = parseUserId(sid);
    const user = await this.#findUser(userId);
    if (user === null) throw new PasswordApiError('not-found', `No user with id ${userId} exists`);
    const allowed = await this.#call('authorizer.canResetPassword', () => this.authorizer.canResetPassword(principal, user));
    if (allowed !== true) throw new PasswordApiError('permission-denied', 'You do not have permission to reset the password of this user');
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'The user is a remote user; their password is managed elsewhere');
    return this.#issue(user, principal.userId, context);
  }

  /** Whether a `breachedPasswords` checker is configured (UIs then list the `password-breached` rule). */
  get checksBreachedPasswords(): boolean {
    return this.#breached !== undefined;
  }

  /** Whether self-service reset (`sendResetLink`) is configured: the router mounts `POST /auth/forgot` only then. */
  get selfServiceReset(): { readonly byLogin: boolean; readonly byEmail: boolean } | null {
    if (this.#sendResetLink === undefined) return null;
    return { byLogin: typeof this.#users.findByLogin === 'function', byEmail: typeof this.#users.findByEmail === 'function' };
  }

  /**
   * `POST /auth/forgot`: mails a reset link to the account named by login or email, if there is
   * one that may have it. Returns before any lookup (the work runs on a later turn of the event
   * loop), so a caller that answers first learns nothing from its timing; the returned promise
   * settles when the work is done and never rejects. No link goes to unknown, remote or
   * admin-revoked accounts, accounts without an email, or one that got a link within the
   * cooldown; a request over `maxPendingResetLinks` is dropped.
   */
  requestResetLink(request: ResetLinkRequest, context: CallContext = {}): Promise<void> {
    const send = this.#sendResetLink;
    if (send === undefined) throw new TypeError('express-rbac-password: requestResetLink needs the sendResetLink option.');
    if (!this.#linkThrottle.start()) {
      log('self-service reset request dropped: %d already pending', this.#linkThrottle.pending);
      return Promise.resolve();
    }
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#sendLink(request, send, context))
      .catch((error: unknown) => log('self-service reset request failed: %s', describeError(error)))
      .finally(() => {
        this.#linkThrottle.finish();
        this.#linkWork.delete(work);
      });
    this.#linkWork.add(work);
    return work;
  }

  /** Resolves once no self-service request is being worked on: for graceful shutdowns (and tests). */
  async settled(): Promise<void> {
    while (this.#linkWork.size > 0) await Promise.all(this.#linkWork);
  }

  /**
   * `POST /auth/reset`: redeems a token and sets the new password, reinstating a user the lockout
   * revoked (an administrator's revocation stays: see `stillRevoked`). Does not log the user in.
   * The token is consumed only together with the password write. A reused password is refused
   * without consuming the token, but each refusal spends one of the token's `resetReuseRefusals`.
   */
  async resetPassword(token: string, password: string, context: CallContext = {}): Promise<PasswordWriteResult> {
    const { record, user } = await this.#usableToken(token);
    const normalized = normalizePassword(password);
    this.#enforceRules(normalized, user, context);
    // Refusals by the rules and the breach check cost nothing: they reveal no stored secret.
    await this.#enforceBreach(normalized, user, context);
    const reuse = await this.#reuseFailures(normalized, user, hashOptionsOf(context), { via: 'reset', context });
    if (reuse.length > 0) {
      // Each refusal told the caller something about the stored hashes: the token pays for it.
      const left = await this.#call('tokenStore.recordRefusal', (o) => this.#spendRefusal(record.id, o));
      // Spent by a concurrent refusal meanwhile: this verdict was never paid for, so it is not told.
      if (left === null) throw invalidToken();
      if (left === 0) log('reset token of user %s died: its budget of reused-password refusals is spent', user.id);
      this.#rejectPolicy(user, reuse, context);
    }
    const passwordHash = await hashWith(this.#hasher, normalized, hashOptionsOf(context));
    let stale = false;
    const late: Promise<unknown>[] = [];
    // The password write inside the redemption has its own timeout, shorter than the redemption's:
    // a write that hangs then fails `apply`, so the store undoes the claim before we answer 503,
    // instead of leaving the token claimed (dead) with the password never written.
    const redeemed = await storeCall(
      'tokenStore.redeem',
      this.#timeoutMs * 2,
      (outer) =>
        this.#tokens.redeem(
          record.id,
          this.#now(),
          async () => {
            const written = await this.#writePassword(user, passwordHash, true, undefined, late);
            // The password changed since we read it (a concurrent change or reset): roll the claim back and refuse.
            if (!written) {
              stale = true;
              throw new AbortRedemption('password changed concurrently');
            }
          },
          outer,
        ),
      (pending) => late.push(pending),
    ).catch((error: unknown) => {
      if (stale) return null;
      this.#settleLateWrite(user.id, passwordHash, late, async (extra) => void (await this.#finishReset(user, context, extra)));
      throw error;
    });
    if (redeemed === null) throw invalidToken();
    return this.#finishReset(user, context);
  }

  /** What follows a committed reset: after the commit, not inside `apply` (a failed statement there would abort a database transaction). */
  async #finishReset(user: PasswordUser, context: CallContext, extra: Record<string, unknown> = {}): Promise<PasswordWriteResult> {
    await this.#revokeAfterWrite(user.id);
    const stillRevoked = revocationOf(user) === 'admin';
    log('password reset with token for user %s%s', user.id, stillRevoked ? ' (stays revoked by an administrator)' : '');
    this.#emit('password-reset', user.id, null, context, nonEmpty({ ...extra, ...(stillRevoked ? { stillRevoked: true, revokedBy: 'admin' } : {}) }));
    if (!stillRevoked && (user.isRevoked || (user.failedAttempts ?? 0) > 0 || isLocked(user, this.#now()))) {
      this.#emit('account-reinstated', user.id, null, context, { via: 'reset', revokedBy: revocationOf(user), ...extra });
    }
    await this.#passwordChanged(user, 'reset', context);
    return { stillRevoked };
  }

  /**
   * After a password write timed out (answered 503), the store may still commit it: one that
   * cannot cancel, or one that was committing as the signal fired. Once the late calls settle
   * (or after a minute), read the user: when it carries the new hash (salted, so only this write
   * could have put it there), the change happened, and `finish` runs what follows a change.
   */
  #settleLateWrite(userId: string, passwordHash: string, late: readonly Promise<unknown>[], finish: (extra: Record<string, unknown>) => Promise<void>): void {
    if (late.length === 0) return;
    const cap = new Promise<void>((resolve) => setTimeout(resolve, LATE_WRITE_WAIT_MS).unref());
    void Promise.race([Promise.allSettled(late), cap])
      .then(async () => {
        const current = await this.#findUser(userId);
        if (current?.passwordHash !== passwordHash) {
          log('the timed-out password write for user %s did not commit', userId);
          return;
        }
        log('the timed-out password write for user %s committed after all; finishing the change', userId);
        await finish({ afterTimeout: true });
      })
      .catch((error: unknown) => log('could not find out whether the timed-out password write for user %s committed (%s)', userId, (error as Error)?.name ?? 'error'));
  }

  /** `PUT /users/current/password`: the signed-in user changes their own password. */
  async changePassword(principal: P, currentPassword: string, password: string, context: CallContext = {}): Promise<void> {
    const user = await this.#requireActiveCaller(principal, true);
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'Remote users cannot change their password here; it is managed by their identity provider');
    const normalized = normalizePassword(password);
    const current = normalizePassword(currentPassword);
    // Rules first: a new password that breaks them is refused before any bcrypt work.
    this.#enforceRules(normalized, user, context);
    await this.#enforceBreach(normalized, user, context);
    const job = hashOptionsOf(context);
    const verified = await this.#verify(current, user.passwordHash, user.id, job);
    if (!verified.match) {
      const failure = await this.#recordFailure(user, user.id, context);
      // A revoke or a concurrent lock came first, so nothing was counted: answer as on a closed account.
      const closed = failure !== null && !failure.lockedNow ? this.#closedCaller(failure) : null;
      if (closed !== null) throw closed;
      throw new PasswordApiError('permission-denied', 'The current password is incorrect');
    }
    const finish = async (extra: Record<string, unknown> = {}) => {
      await this.#revokeAfterWrite(user.id);
      log('password changed by user %s', user.id);
      this.#emit('password-changed', user.id, user.id, context, nonEmpty(extra));
      await this.#passwordChanged(user, 'change', context);
    };
    let written = false;
    try {
      if ((user.failedAttempts ?? 0) > 0) {
        // A concurrent failure may have locked the account since we read it: then it came first.
        const outcome = await this.#recordSuccess(user);
        if (outcome !== 'ok') await this.#refuseLostChange(principal);
      }
      const reuse = normalized === current ? [reusedPasswordFailure(this.#policy)] : await this.#historyFailures(normalized, user, job);
      if (reuse.length > 0) this.#rejectPolicy(user, reuse, context);
      const passwordHash = await hashWith(this.#hasher, normalized, job);
      written = await this.#passwordWrite(user, passwordHash, false, finish, current, true);
    } finally {
      // The right current password, but no change went through (the new one was refused, or a
      // concurrent write won): upgrade the current hash. The compare-and-set keeps any winner.
      if (!written) this.#upgradeLater(user, current, verified, 'change', context);
    }
    if (!written) await this.#refuseLostChange(principal);
    await finish();
  }

  /**
   * A change that lost a race: to a lock or revocation (the store refused the write with
   * `activeAt`, or the success found the account closed), answered as on a closed account, or to
   * a concurrent password write, answered 409.
   */
  async #refuseLostChange(principal: P): Promise<never> {
    await this.#requireActiveCaller(principal, true);
    throw new PasswordApiError('conflict', 'The password was changed by another request at the same time; try again');
  }

  /**
   * After a right password on an account whose counter is not zero: clears it in one store step
   * ordered against concurrent failures (`recordSuccessfulAttempt`), answering what the store
   * found. Stores without it: `clearFailedAttempts`, then a fresh read (narrows the race only).
   */
  async #recordSuccess(user: PasswordUser): Promise<SuccessfulAttemptOutcome | null> {
    const now = this.#now();
    const success = this.#users.recordSuccessfulAttempt;
    const passwordHash = user.passwordHash as string;
    if (typeof success === 'function') return this.#call('userStore.recordSuccessfulAttempt', (o) => success.call(this.#users, user.id, { passwordHash, now }, o));
    await this.#call('userStore.clearFailedAttempts', (o) => this.#users.clearFailedAttempts?.(user.id, o));
    const fresh = await this.#findUser(user.id);
    if (fresh === null) return null;
    if (fresh.isRevoked) return 'revoked';
    if (isLocked(fresh, this.#now())) return 'locked';
    return fresh.passwordHash === passwordHash ? 'ok' : 'password-changed';
  }

  /** `#writePassword` outside a redemption; when it times out, `finish` runs if it committed after all. */
  async #passwordWrite(
    user: PasswordUser,
    passwordHash: string,
    reinstate: boolean,
    finish: (extra: Record<string, unknown>) => Promise<void>,
    current?: string,
    requireActive = false,
  ): Promise<boolean> {
    const late: Promise<unknown>[] = [];
    try {
      return await this.#writePassword(user, passwordHash, reinstate, current, late, requireActive);
    } catch (error) {
      this.#settleLateWrite(user.id, passwordHash, late, finish);
      throw error;
    }
  }

  /**
   * `POST /command/validate-password`: checks a candidate against the policy's rules for the
   * token's user (when a reset token is given, which is not consumed) or for the signed-in user.
   * It never compares against stored hashes (the current password and the history): that would
   * be a free oracle for them. Reuse is checked when the password is submitted.
   */
  async validatePassword(password: string, subject: { readonly resetToken: string } | { readonly principal: P }, context: CallContext = {}): Promise<PasswordValidation> {
    const user = 'resetToken' in subject ? (await this.#usableToken(subject.resetToken)).user : await this.#requireActiveCaller(subject.principal, false);
    const normalized = normalizePassword(password);
    const failures = [...checkPasswordRules(normalized, this.#policy, this.#ruleContext(user))];
    if (failures.length === 0) failures.push(...(await this.#breachFailures(normalized, user, context, false)));
    return { valid: failures.length === 0, failures };
  }

  /**
   * Checks a proposed login against the login rules, for `POST /command/validate-login` and for
   * the host's own user creation. When every other rule passes and the user store has
   * `findByLogin`, a login that exists fails `login-taken`.
   *
   * - Without `caller` (the host's code, about to create a user): `login-taken` is always checked.
   *   Do not hand this answer to callers who may not create users: it tells which logins exist.
   * - With `caller` (what the route passes): a revoked or locked caller is refused as on the other
   *   routes, and `login-taken` is checked only when `authorizer.canCreateUsers(caller)` is true.
   */
  async validateLogin(login: string, caller?: P): Promise<LoginValidation> {
    if (typeof login !== 'string') throw new TypeError('validateLogin: login must be a string');
    if (caller !== undefined) await this.#requireActiveCaller(caller, false);
    const failures = checkLoginRules(login, this.#policy);
    // Storage is read only for a well-formed login (a NUL would make PostgreSQL raise), and only for callers allowed to learn the answer.
    if (failures.length === 0 && (caller === undefined || (await this.#mayCreateUsers(caller)))) {
      const findByLogin = this.#users.findByLogin;
      if (typeof findByLogin === 'function' && (await this.#call('userStore.findByLogin', (o) => findByLogin.call(this.#users, login, o))) != null) {
        failures.push(loginFailure('login-taken'));
      }
    }
    return { valid: failures.length === 0, failures };
  }

  /**
   * The login helper for the host's own login endpoint. Applies normalization, revocation, the
   * lockout counter, and spends the same hashing time and the same store round trip on unknown
   * logins as on known ones. A revoked or locked account is never compared against its real hash:
   * every password gets the same answer after the same work.
   */
  verifyLogin(login: string, password: string, context: CallContext = {}): Promise<LoginResult> {
    return this.#verifyLogin(login, password, context, true);
  }

  /** `retry`: whether a success that lost to a concurrent password write may start over once, judged on the new hash. */
  async #verifyLogin(login: string, password: string, context: CallContext, retry: boolean): Promise<LoginResult> {
    const findByLogin = this.#users.findByLogin;
    if (typeof findByLogin !== 'function') throw new TypeError('express-rbac-password: verifyLogin needs userStore.findByLogin().');
    // A login no store could hold (control characters, NUL, absurd length) is an unknown login.
    const user = isUnusableLogin(login) ? null : await this.#call('userStore.findByLogin', (o) => findByLogin.call(this.#users, login, o));
    const normalized = normalizePassword(typeof password === 'string' ? password : '');
    const now = this.#now();
    const usable = user !== null && !user.isRemote && user.passwordHash !== null;
    const closed = usable && (user.isRevoked || isLocked(user, now));
    const verified = await this.#verify(normalized, usable && !closed ? user.passwordHash : null, user?.id, hashOptionsOf(context));
    if (!usable || closed) {
      // The same store round trip a wrong password costs (a no-op here), so timing tells nothing.
      await this.#failedAttemptRoundTrip();
      if (closed && this.#revealAccountState) return closedAccount(user, now);
      return { ok: false, reason: 'invalid-credentials' };
    }
    if (!verified.match) {
      const result = await this.#recordFailure(user, null, context);
      if (result?.lockedNow === true) {
        if (!this.#revealAccountState) return { ok: false, reason: 'invalid-credentials', lockedNow: true };
        return result.lockedUntil === null ? { ok: false, reason: 'revoked', lockedNow: true } : { ok: false, reason: 'locked', lockedNow: true, lockedUntil: result.lockedUntil };
      }
      // A revoke or a concurrent lock came first (nothing was counted): answered as on a closed account.
      if (result !== null && this.#revealAccountState && this.#closedCaller(result) !== null)
        return closedAccount({ ...user, isRevoked: result.isRevoked, lockedUntil: result.lockedUntil }, now);
      return { ok: false, reason: 'invalid-credentials' };
    }
    if ((user.failedAttempts ?? 0) > 0 || user.lockedUntil != null) {
      // Ordered against concurrent failures: one that locked the account first wins.
      const outcome = await this.#recordSuccess(user);
      if (outcome === 'password-changed' && retry) return this.#verifyLogin(login, password, context, false);
      if (outcome !== 'ok') {
        const fresh = outcome === 'revoked' || outcome === 'locked' ? await this.#findUser(user.id) : null;
        if (fresh !== null && this.#revealAccountState) return closedAccount(fresh, this.#now());
        return { ok: false, reason: 'invalid-credentials' };
      }
    }
    await this.#call('userStore.recordLogin', (o) => this.#users.recordLogin?.(user.id, now, o));
    // The answer is decided: the upgrade runs after it, and never fails or delays it.
    this.#upgradeLater(user, normalized, verified, 'login', context);
    return { ok: true, user, credential: credentialStamp(user.passwordHash as string) };
  }

  /**
   * Sets a user's password directly (the admin CLI): policy applies, tokens die, a lockout is
   * lifted. An administrator's revocation stays (see `stillRevoked`): lift it with `reinstate`.
   */
  async setPassword(userId: string, password: string, context: CallContext = {}): Promise<PasswordWriteResult> {
    const user = await this.#findUser(parseUserId(userId));
    if (user === null) throw new PasswordApiError('not-found', `No user with id ${userId} exists`);
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'The user is a remote user; their password is managed elsewhere');
    const normalized = normalizePassword(password);
    await this.#enforcePolicy(normalized, user, context, 'admin');
    const passwordHash = await hashWith(this.#hasher, normalized, hashOptionsOf(context));
    // The store lifts only a lockout: an administrator's revocation stays.
    const stillRevoked = revocationOf(user) === 'admin';
    const finish = async (extra: Record<string, unknown> = {}) => {
      await this.#revokeAfterWrite(user.id);
      this.#emit('password-changed', user.id, null, context, { via: 'admin', ...(stillRevoked ? { stillRevoked: true, revokedBy: 'admin' } : {}), ...extra });
      if (!stillRevoked && (user.isRevoked || isLocked(user, this.#now()))) {
        this.#emit('account-reinstated', user.id, null, context, { via: 'admin', revokedBy: revocationOf(user), ...extra });
      }
      await this.#passwordChanged(user, 'admin', context);
    };
    const written = await this.#passwordWrite(user, passwordHash, true, finish);
    if (!written) throw new PasswordApiError('conflict', 'The password was changed by another request at the same time; try again');
    await finish();
    return { stillRevoked };
  }

  /**
   * An administrator's revocation: only an administrator's `reinstate` lifts it, never a reset.
   * Kills the user's outstanding reset tokens with it (see `revokeByAdministrator` for how the
   * two stores act as one step). Resolves false when the user does not exist.
   */
  async revoke(userId: string, actorId: string | null = null, context: CallContext = {}): Promise<boolean> {
    const id = parseUserId(userId);
    const done = await revokeByAdministrator(this.#users, this.#tokens, id, (operation, call) => this.#call(operation, call));
    if (done) {
      log('account %s revoked by an administrator (%s)', id, actorId ?? 'unknown');
      this.#emit('account-revoked', id, actorId, context, { revokedBy: 'admin' });
    }
    return done;
  }

  /**
   * An administrator's reinstate: lifts either kind of revocation, any temporary lock, and clears
   * the counter. The password is left as it is, and it may have been guessed before the lockout
   * tripped: prefer `reinstateWithResetToken`, which also hands out a reset token.
   */
  async reinstate(userId: string, actorId: string | null = null, context: CallContext = {}): Promise<boolean> {
    const setRevoked = this.#users.setRevoked;
    if (typeof setRevoked !== 'function') throw new TypeError('express-rbac-password: reinstate needs userStore.setRevoked().');
    const id = parseUserId(userId);
    const before = await this.#findUser(id);
    const done = await this.#call('userStore.setRevoked', (o) => setRevoked.call(this.#users, id, false, o));
    if (done) this.#emit('account-reinstated', id, actorId, context, { via: 'admin', revokedBy: before === null ? null : revocationOf(before) });
    return done;
  }

  /**
   * Issues a reset token for the user in the principal's name (the authorizer's
   * `canResetPassword` applies), then reinstates them. The user sets a new password with it, so
   * one that may have been guessed before the lockout does not stay in use.
   */
  async reinstateWithResetToken(principal: P, userId: string, context: CallContext = {}): Promise<IssuedResetToken> {
    // The token first: when it cannot be issued (no permission, no such user), nothing changed.
    const issued = await this.issueResetToken(principal, userId, context);
    await this.reinstate(issued.userId, principal.userId, context);
    return issued;
  }

  /**
   * Waits for pending self-service requests, then stops the default hashing pool (idle workers never
   * keep the process alive, so this is for clean shutdowns and tests). A host's own `hasher` is left
   * alone. Idempotent.
   */
  async close(): Promise<void> {
    // Self-service requests already answered 202 still get their mail.
    await this.settled();
    await this.#upgrades.settled();
    await Promise.all(this.#hashing.ownPools.map((pool) => pool.close()));
  }

  /**
   * Resolves once every hash upgrade started so far has finished. Upgrades run after the answer
   * (see `legacyHashes`); this is for graceful shutdowns and tests. `close()` waits for them too.
   */
  hashUpgradesSettled(): Promise<void> {
    return this.#upgrades.settled();
  }

  /** The hasher in use: the default worker pool, or the host's own. */
  get hasher(): Hasher {
    return this.#hasher;
  }

  /** The policy in force, for UIs and docs. */
  get policy(): ResolvedPasswordPolicy {
    return this.#policy;
  }

  /**
   * The scheme that would verify a stored hash (`bcrypt`, `pbkdf2-sha256`, a custom name…), or
   * null when neither the hasher nor any of `legacyHashes` recognizes it. For importers checking
   * hashes before they write them; does no hashing.
   */
  hashScheme(hash: string): string | null {
    return typeof hash === 'string' ? this.#hashing.chain.scheme(hash) : null;
  }

  /** Hashes a password for seeding users (normalized the same way as every other path). */
  hashPassword(password: string, context: CallContext = {}): Promise<string> {
    return hashWith(this.#hasher, normalizePassword(password), hashOptionsOf(context));
  }

  async #usableToken(token: string): Promise<{ record: ResetTokenRecord; user: PasswordUser }> {
    const now = this.#now();
    const verified = this.#codec.verify(token, now);
    if (!verified.ok) {
      log('reset token refused: %s', verified.reason);
      throw verified.reason === 'expired' ? new PasswordApiError('invalid-token', 'The reset token has expired') : invalidToken();
    }
    const claims: ResetTokenClaims = verified.claims;
    const record = await this.#call('tokenStore.find', (o) => this.#tokens.find(claims.jti, now, o));
    if (record === null || record.userId !== claims.sub) throw invalidToken();
    const user = await this.#findUser(claims.sub);
    if (user === null || user.isRemote) throw invalidToken();
    // A token stays good across this process's upgrade of the same password's hash: only a real change kills it.
    if (!this.#stampMatches(record, user)) throw invalidToken();
    return { record, user };
  }

  async #requireActiveCaller(principal: P, mustExist: true): Promise<PasswordUser>;
  async #requireActiveCaller(principal: P, mustExist: false): Promise<PasswordUser | null>;
  async #requireActiveCaller(principal: P, mustExist: boolean): Promise<PasswordUser | null> {
    const id = principal.userId.toLowerCase();
    const user = UUID.test(id) ? await this.#findUser(id) : null;
    if (user === null) {
      if (mustExist) throw new PasswordApiError('permission-denied', 'The current user has no local account in this service');
      return null;
    }
    const closed = this.#closedCaller(user);
    if (closed !== null) throw closed;
    return user;
  }

  /** The answer to a caller whose account is revoked or locked (as the store last reported it), or null when it is active. */
  #closedCaller(state: { readonly isRevoked: boolean; readonly lockedUntil?: Date | null }): PasswordApiError | null {
    if (state.isRevoked) return new PasswordApiError('user-revoked', 'The account is revoked');
    const now = this.#now();
    if (!(state.lockedUntil instanceof Date) || state.lockedUntil <= now) return null;
    const seconds = Math.max(1, Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000));
    return new PasswordApiError('user-locked', 'The account is locked after too many failed attempts; try again later', { retryAfterSeconds: seconds });
  }

  /**
   * Revokes a user's tokens after their password was written. The write already killed them (their
   * password stamp no longer matches), so this only tidies the store: a failure is logged, and the
   * password change still completes (answered 200, announced through events and onPasswordChanged)
   * instead of a 503 for a change that did happen.
   */
  async #revokeAfterWrite(userId: string): Promise<void> {
    try {
      await this.#call('tokenStore.revokeForUser', (o) => this.#tokens.revokeForUser(userId, o));
    } catch (error) {
      log('revoking the reset tokens of user %s after a password change failed (%s); they are dead by their password stamp', userId, (error as Error)?.name ?? 'error');
    }
  }

  /**
   * Writes a new password hash with a compare-and-set on the hash the caller read. When that
   * loses to an upgrade of the same password (one this process wrote, or one the caller's
   * `current` password still verifies), the write still stands and is retried on the new hash:
   * a change or reset always wins over an upgrade. A real concurrent change still answers false.
   */
  async #writePassword(
    user: PasswordUser,
    passwordHash: string,
    reinstate: boolean,
    current: string | undefined,
    late: Promise<unknown>[],
    requireActive = false,
  ): Promise<boolean> {
    let previousHash = user.passwordHash;
    for (let attempt = 0; attempt < 3; attempt++) {
      const expected = previousHash;
      // A change of one's own password commits only on an account still active (a concurrent failure may have locked it).
      const activeAt = requireActive ? { activeAt: this.#now() } : {};
      // A timed-out write hands its pending call to `late`, for the caller to find out whether it committed.
      const written = await this.#call(
        'userStore.setPassword',
        (o) => this.#users.setPassword(user.id, { passwordHash, previousHash: expected, historySize: this.#policy.passwordHistory, reinstate, ...activeAt }, o),
        (pending) => late.push(pending),
      );
      if (written) return true;
      const fresh = await this.#findUser(user.id);
      if (fresh === null || fresh.passwordHash === null || fresh.passwordHash === expected) return false;
      const upgraded =
        this.#upgrades.rehashedFrom(user.id, fresh.passwordHash) === expected ||
        (current !== undefined && (await this.#hashing.chain.verify(current, fresh.passwordHash, hashOptionsOf({}))).match);
      if (!upgraded) return false;
      previousHash = fresh.passwordHash;
    }
    return false;
  }

  #findUser(id: string): Promise<PasswordUser | null> {
    return this.#call('userStore.findById', (o) => this.#users.findById(id, o)).then((user) => user ?? null);
  }

  /** Whether the caller may learn that a login is taken: only those allowed to create users. */
  async #mayCreateUsers(caller: P): Promise<boolean> {
    const canCreateUsers = this.authorizer.canCreateUsers;
    if (typeof canCreateUsers !== 'function') return false;
    return (await this.#call('authorizer.canCreateUsers', () => canCreateUsers.call(this.authorizer, caller))) === true;
  }

  #ruleContext(user: PasswordUser | null): { login?: string; maxPasswordBytes?: number } {
    return {
      ...(user === null ? {} : { login: user.login }),
      ...(this.#hasher.maxPasswordBytes === undefined ? {} : { maxPasswordBytes: this.#hasher.maxPasswordBytes }),
    };
  }

  #enforceRules(normalized: string, user: PasswordUser, context: CallContext): void {
    const failures = checkPasswordRules(normalized, this.#policy, this.#ruleContext(user));
    if (failures.length > 0) this.#rejectPolicy(user, failures, context);
  }

  /** Counts a refused redemption: the refusals left, or null when the token is dead. Stores without `recordRefusal` kill the token at the first. */
  async #spendRefusal(id: string, options: StoreCallOptions): Promise<number | null> {
    if (typeof this.#tokens.recordRefusal === 'function') return this.#tokens.recordRefusal(id, this.#reuseRefusals, this.#now(), options);
    const record = await this.#tokens.find(id, this.#now(), options);
    if (record === null) return null;
    await this.#tokens.revokeForUser(record.userId, options);
    return 0;
  }

  async #enforcePolicy(normalized: string, user: PasswordUser, context: CallContext, via: UpgradeVia): Promise<void> {
    this.#enforceRules(normalized, user, context);
    await this.#enforceBreach(normalized, user, context);
    const reuse = await this.#reuseFailures(normalized, user, hashOptionsOf(context), { via, context });
    if (reuse.length > 0) this.#rejectPolicy(user, reuse, context);
  }

  async #enforceBreach(normalized: string, user: PasswordUser, context: CallContext): Promise<void> {
    const failures = await this.#breachFailures(normalized, user, context, true);
    if (failures.length > 0) this.#rejectPolicy(user, failures, context);
  }

  /**
   * Asks the `breachedPasswords` checker. A failed check allows the password (logged, evented) or,
   * with `onError: 'refuse'` and `enforce`, answers 503 so nothing changes and no token is used.
   */
  async #breachFailures(normalized: string, user: PasswordUser | null, context: CallContext, enforce: boolean): Promise<PolicyFailure[]> {
    const checker = this.#breached;
    if (checker === undefined) return [];
    try {
      const breached = await this.#call('breachedPasswords.isBreached', () => checker.isBreached(normalized));
      return breached === true ? [breachedPasswordFailure()] : [];
    } catch (error) {
      const refuse = enforce && checker.onError === 'refuse';
      const reason = breachReason(error);
      log('breached-password check failed (%s): password %s', reason, refuse ? 'refused' : 'allowed');
      if (user !== null) this.#emit('breach-check-failed', user.id, null, context, { reason, outcome: refuse ? 'refused' : 'allowed' });
      if (refuse) {
        throw new PasswordApiError('server-error', 'The breached-password check is unavailable, so the password cannot be accepted now; try again later', {
          status: 503,
          retryAfterSeconds: 5,
        });
      }
      return [];
    }
  }

  /** Issues a token for `user`: the admin route's and the self-service link's common path. */
  async #issue(user: PasswordUser, issuedBy: string | null, context: CallContext, via?: 'self-service'): Promise<IssuedResetToken> {
    let current = user;
    for (let attempt = 1; ; attempt++) {
      const issuedAt = this.#now();
      const expiresAt = new Date(issuedAt.getTime() + this.#lifetimeMs);
      const id = newTokenId();
      const token = this.#codec.sign(current.id, id, issuedAt, expiresAt);
      const record: ResetTokenRecord = { id, userId: current.id, issuedAt, expiresAt, issuedBy, passwordStamp: passwordStamp(id, current.passwordHash) };
      await this.#call('tokenStore.issue', (o) => this.#tokens.issue(record, o));
      const stale = await this.#confirmIssued(record, current, attempt < ISSUE_ATTEMPTS);
      if (stale !== null) {
        current = stale;
        continue;
      }
      log('reset token issued for user %s by %s, expires %s', current.id, issuedBy ?? via ?? '-', expiresAt.toISOString());
      this.#emit('reset-token-issued', current.id, issuedBy, context, { expiresAt: expiresAt.toISOString(), ...(via === undefined ? {} : { via }) });
      return { token, userId: current.id, expiresAt, ...(this.#publicUrl === undefined ? {} : { link: this.#linkFor(token) }) };
    }
  }

  /**
   * The stamp binds the hash read before the insert; a redemption (or change) may have replaced it
   * since, and the token would be dead on arrival. So, after the insert: is the token still
   * outstanding, and then is the hash still the stamped one? Hashes are salted and never recur, so
   * both held at the first read: a token handed out was live then (null: confirmed). Otherwise the
   * token is killed (alone, when the store can). When it was still outstanding but stamped with a
   * replaced hash, this issue came after that password write and its insert superseded whatever
   * was issued since: it issues again on the fresh user (returned, while `mayRetry`), so it
   * answers after those issues with a live token instead of a 409 that ended theirs. A token
   * already superseded or revoked answers `409 conflict`: the admin issues again.
   */
  async #confirmIssued(record: ResetTokenRecord, user: PasswordUser, mayRetry: boolean): Promise<PasswordUser | null> {
    const outstanding = await this.#call('tokenStore.find', (o) => this.#tokens.find(record.id, this.#now(), o));
    const fresh = outstanding === null ? null : await this.#findUser(user.id);
    if (fresh !== null && this.#stampMatches(record, fresh)) return null;
    log('reset token for user %s was superseded or its password changed while it was issued; refused', user.id);
    // A budget of one refusal revokes exactly this token; revokeForUser could kill a newer one.
    const kill = this.#tokens.recordRefusal;
    if (outstanding !== null && typeof kill === 'function') {
      await this.#call('tokenStore.recordRefusal', (o) => kill.call(this.#tokens, record.id, 1, this.#now(), o)).catch(() => undefined);
    }
    if (mayRetry && fresh !== null && !fresh.isRemote) return fresh;
    throw new PasswordApiError('conflict', 'The password changed while the reset token was issued, so the token would not work; issue a new one');
  }

  /** Whether the token's stamp binds the user's current hash (or the hash this process upgraded it from: the same password). */
  #stampMatches(record: ResetTokenRecord, user: PasswordUser): boolean {
    if (passwordStamp(record.id, user.passwordHash) === record.passwordStamp) return true;
    const upgradedFrom = this.#upgrades.rehashedFrom(user.id, user.passwordHash);
    return upgradedFrom !== undefined && passwordStamp(record.id, upgradedFrom) === record.passwordStamp;
  }

  /** The work behind `requestResetLink`, after the answer. Logs ids and outcomes only, never the typed login or email. */
  async #sendLink(request: ResetLinkRequest, send: SendResetLink, context: CallContext): Promise<void> {
    const user = await this.#findForLink(request);
    if (user === null) {
      log('self-service reset: no matching account');
      return;
    }
    const email = user.email;
    const revokedByLockout = this.#lockout !== null && this.#lockout.action.mode === 'revoke' && (user.failedAttempts ?? 0) >= this.#lockout.threshold;
    if (user.isRemote || (user.isRevoked && !revokedByLockout) || typeof email !== 'string' || email === '') {
      log('self-service reset: no link for user %s (remote, revoked by an administrator, or no email)', user.id);
      return;
    }
    if (!this.#linkThrottle.claim(user.id, this.#now().getTime())) {
      log('self-service reset: user %s got a link within the cooldown; none sent', user.id);
      return;
    }
    let issued: IssuedResetToken;
    try {
      issued = await this.#issue(user, null, context, 'self-service');
    } catch (error) {
      this.#linkThrottle.release(user.id);
      throw error;
    }
    const link = issued.link as string;
    try {
      await storeCall('sendResetLink', SEND_TIMEOUT_MS, () =>
        send(user, link, { requestId: context.requestId ?? null, email, expiresAt: issued.expiresAt, requestedBy: 'email' in request ? 'email' : 'login' }),
      );
      log('self-service reset link handed over for user %s', user.id);
    } catch (error) {
      log('sendResetLink failed for user %s: %s', user.id, describeError(error));
      this.#emit('reset-link-failed', user.id, null, context, { reason: describeError(error) });
    }
  }

  /** The account the request names, matched exactly after `normalizeIdentifier`, or null. */
  async #findForLink(request: ResetLinkRequest): Promise<PasswordUser | null> {
    if ('email' in request) {
      const email = this.#normalizeIdentifier(request.email);
      const find = this.#users.findByEmail;
      if (typeof find !== 'function') return null;
      const user = await this.#call('userStore.findByEmail', (o) => find.call(this.#users, email, o));
      // A store that folds case or Unicode may hand back mike@ for mıke@: only an exact match counts.
      return user != null && user.email === email ? user : null;
    }
    const login = this.#normalizeIdentifier(request.login);
    const find = this.#users.findByLogin;
    if (typeof find !== 'function') return null;
    const user = await this.#call('userStore.findByLogin', (o) => find.call(this.#users, login, o));
    return user != null && user.login === login ? user : null;
  }

  /**
   * The new password may not be the current one, nor one of the history. Costs one hash compare
   * each. When `upgrade` is given and the candidate is the current password, its legacy hash is
   * upgraded: whoever typed it knows it, and the refusal stands.
   */
  async #reuseFailures(normalized: string, user: PasswordUser, job: HashOptions, upgrade?: { via: UpgradeVia; context: CallContext }): Promise<PolicyFailure[]> {
    const current = await this.#verify(normalized, user.passwordHash, user.id, job);
    if (current.match) {
      if (upgrade !== undefined) this.#upgradeLater(user, normalized, current, upgrade.via, upgrade.context);
      return [reusedPasswordFailure(this.#policy)];
    }
    return this.#historyFailures(normalized, user, job);
  }

  async #historyFailures(normalized: string, user: PasswordUser, job: HashOptions): Promise<PolicyFailure[]> {
    const limit = this.#policy.passwordHistory;
    const getHistory = this.#users.getPasswordHistory;
    if (limit === 0 || typeof getHistory !== 'function') return [];
    const history = await this.#call('userStore.getPasswordHistory', (o) => getHistory.call(this.#users, user.id, limit, o));
    // Legacy hashes in the history are compared through the same chain as the current one.
    const matches = await Promise.all(history.slice(0, limit).map((hash) => this.#verify(normalized, hash, user.id, job)));
    return matches.some((outcome) => outcome.match) ? [reusedPasswordFailure(this.#policy)] : [];
  }

  #rejectPolicy(user: PasswordUser, failures: readonly PolicyFailure[], context: CallContext): never {
    this.#emit('policy-rejected', user.id, null, context, { rules: failures.map((f) => f.rule) });
    throw new PasswordApiError('password-policy-violation', 'The password does not meet the password policy', { details: { failures } });
  }

  /**
   * Compares through the hasher chain without ever truncating: a password past the primary
   * hasher's byte limit never matches. Missing, unrecognized and refused hashes cost a dummy
   * compare, so they answer in the same time as a wrong password.
   */
  async #verify(normalized: string, hash: string | null, userId: string | undefined, job: HashOptions): Promise<VerifyOutcome> {
    const limit = this.#hasher.maxPasswordBytes;
    const tooLong = limit !== undefined && Buffer.byteLength(normalized, 'utf8') > limit;
    if (hash === null || tooLong) {
      await verifyWith(this.#hasher, tooLong ? 'x' : normalized, await this.#dummy(job), job);
      return { match: false, scheme: null, upgrade: false, refused: null };
    }
    const outcome = await this.#hashing.chain.verify(normalized, hash, job);
    if (outcome.refused !== null) {
      this.#logRefusedOnce(userId, outcome.refused);
      await verifyWith(this.#hasher, 'x', await this.#dummy(job), job);
    }
    return outcome;
  }

  /** Logs a refused stored hash once per user (the reason only, never the hash). */
  #logRefusedOnce(userId: string | undefined, reason: string): void {
    const key = userId ?? '(unknown)';
    if (this.#refusedLogged.has(key)) return;
    // Bounded: a table full of unreadable hashes must not grow this set without end.
    if (this.#refusedLogged.size >= 10_000) this.#refusedLogged.clear();
    this.#refusedLogged.add(key);
    log('stored password hash of user %s cannot be verified, so it never matches: %s', key, reason);
  }

  #upgradeLater(user: PasswordUser, normalized: string, outcome: VerifyOutcome, via: UpgradeVia, context: CallContext): void {
    if (this.#hashing.upgrade) this.#upgrades.schedule(user, normalized, outcome, via, context);
  }

  /**
   * For logins that record no failure (unknown, revoked, locked): the same store call, on an id
   * that matches no user, so it can never count. Not the closed account's own id: a reinstate
   * committing meanwhile would make that call count a failure nobody typed.
   */
  async #failedAttemptRoundTrip(): Promise<void> {
    const lockout = this.#lockout;
    const record = this.#users.recordFailedAttempt;
    if (lockout === null || typeof record !== 'function') return;
    await this.#call('userStore.recordFailedAttempt', (o) => record.call(this.#users, randomUUID(), { threshold: lockout.threshold, action: lockout.action, now: this.#now() }, o));
  }

  #dummy(job: HashOptions): Promise<string> {
    if (this.#dummyHash === undefined) {
      const made = hashWith(this.#hasher, randomBytes(16).toString('base64url'), job);
      // A refused or failed attempt (a busy pool) must not stay memoized: the next call tries again.
      made.catch(() => {
        if (this.#dummyHash === made) this.#dummyHash = undefined;
      });
      this.#dummyHash = made;
    }
    return this.#dummyHash;
  }

  async #recordFailure(user: PasswordUser, actorId: string | null, context: CallContext) {
    const lockout = this.#lockout;
    const record = this.#users.recordFailedAttempt;
    if (lockout === null || typeof record !== 'function') return null;
    const result = await this.#call('userStore.recordFailedAttempt', (o) =>
      record.call(this.#users, user.id, { threshold: lockout.threshold, action: lockout.action, now: this.#now() }, o),
    );
    if (result === null) return null;
    this.#emit('failed-attempt', user.id, actorId, context, { failedAttempts: result.failedAttempts });
    if (result.lockedNow) {
      log('account %s locked after %d failed attempts', user.id, lockout.threshold);
      this.#emit('account-locked', user.id, actorId, context, {
        mode: lockout.action.mode,
        lockedUntil: result.lockedUntil?.toISOString() ?? null,
        ...(lockout.action.mode === 'revoke' ? { revokedBy: 'lockout' } : {}),
      });
    }
    return result;
  }

  async #passwordChanged(user: PasswordUser, via: PasswordChangeVia, context: CallContext): Promise<void> {
    if (this.#onPasswordChanged === undefined) return;
    try {
      await this.#onPasswordChanged(user, { via, ...context });
    } catch (error) {
      log('onPasswordChanged failed for user %s: %s', user.id, (error as Error)?.name ?? 'error');
    }
  }

  #emit(type: PasswordEventType, userId: string, actorId: string | null, context: CallContext, details?: Record<string, unknown>): void {
    const onEvent = this.#onEvent;
    if (onEvent === undefined) return;
    const event: PasswordEvent = { type, userId, actorId, at: this.#now(), requestId: context.requestId ?? null, ...(details === undefined ? {} : { details }) };
    try {
      Promise.resolve(onEvent(event)).catch((error: unknown) => log('onEvent rejected for %s: %s', type, (error as Error)?.name ?? 'error'));
    } catch (error) {
      log('onEvent threw for %s: %s', type, (error as Error)?.name ?? 'error');
    }
  }

  #linkFor(token: string): string {
    const url = new URL(this.#publicUrl as URL);
    url.hash = `token=${token}`;
    return url.toString();
  }

  #call<T>(operation: string, call: (options: StoreCallOptions) => T | Promise<T>, onLate?: (pending: Promise<T>) => void): Promise<T> {
    return storeCall(operation, this.#timeoutMs, call, onLate);
  }
}

/** Creates the core service without HTTP (for the CLI, jobs, or a host's own routes). */
export function createPasswordService<P extends Principal = Principal>(options: PasswordServiceOptions<P>): PasswordService<P> {
  return new PasswordService(resolveOptions(options, 'service'));
}

function parseUserId(sid: string): string {
  if (typeof sid !== 'string' || !UUID.test(sid)) throw new PasswordApiError('invalid-uuid', 'The user id must be a UUID');
  return sid.toLowerCase();
}

/** Event details, or none at all when there are none (events keep their shape when nothing is added). */
function nonEmpty(details: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(details).length === 0 ? undefined : details;
}

function invalidToken(): PasswordApiError {
  return new PasswordApiError('invalid-token', 'The reset token is invalid or has already been used');
}

/** The kind of a revoked user's revocation (unknown reads as an administrator's), or null. */
function revocationOf(user: PasswordUser): RevocationKind | null {
  if (!user.isRevoked) return null;
  return user.revokedBy === 'lockout' ? 'lockout' : 'admin';
}

/** What `revealAccountState` tells about a revoked or locked account, to any password. */
function closedAccount(user: PasswordUser, now: Date): LoginResult {
  if (isLocked(user, now) && !user.isRevoked) return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil as Date };
  return { ok: false, reason: 'revoked' };
}

function isLocked(user: PasswordUser, now: Date): boolean {
  return user.lockedUntil instanceof Date && user.lockedUntil > now;
}

/** A non-secret reason for logs and events: a breach check's code, else the error's class name. */
function breachReason(error: unknown): string {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  if (cause instanceof BreachCheckError) return cause.reason;
  if (error instanceof StoreUnavailableError && /timed out/.test(String((cause as Error)?.message))) return 'timeout';
  return (cause as Error | null)?.name ?? 'error';
}

/** The class name of an error (and of its cause, for store errors): error messages may echo an address or a secret. */
function describeError(error: unknown): string {
  if (error instanceof StoreUnavailableError) return `${error.operation}: ${(error.cause as Error | null)?.name ?? 'error'}`;
  return (error as Error | null)?.name ?? 'error';
}
