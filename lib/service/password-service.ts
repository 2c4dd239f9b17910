/**
 * The framework-free core: issue, redeem, change, validate and login. The HTTP router and the CLI
 * are thin layers over it; authentication is theirs. Every refusal is decided before any password
 * hashing. The cohesive parts live beside it: reset tokens (reset-tokens.ts), self-service links
 * (self-service-links.ts), login verification (login-verification.ts), the lockout counter
 * (failed-attempts.ts), policy enforcement (policy-enforcement.ts), the constant-time compare
 * (password-verification.ts) and the store side of a password write (password-store-write.ts).
 */
import { PasswordApiError } from '../errors.ts';
import type { CallContext, PasswordChangeVia } from '../events.ts';
import { hashOptionsOf, hashWith } from '../hashing/hash-options.ts';
import { createLogger } from '../log.ts';
import type { PasswordConfig } from '../config/password-config.ts';
import { resolveOptions } from '../config/resolve-options.ts';
import type { PasswordServiceOptions } from '../options.ts';
import { checkLoginRules, checkPasswordRules, normalizePassword, reusedPasswordFailure, type ResolvedPasswordPolicy } from '../policy/index.ts';
import { loginFailure } from '../policy/login-rules.ts';
import type { ResetLinkRequest } from '../self-service/reset-links.ts';
import type { Hasher, PasswordUser, Principal } from '../types.ts';
import { reinstateByAdministrator, revokeByAdministrator } from './admin-revocation.ts';
import { invalidToken } from './reset-tokens.ts';
import { announcePasswordWrite, callPasswordChanged, revocationOf } from './password-write-events.ts';
import { assertAccountActive } from './account-state.ts';
import { activeCallerAndUser, mayCreateUsers, parseUserId, requireActiveCaller } from './callers.ts';
import type { IssuedResetToken, LoginResult, LoginValidation, PasswordValidation, PasswordWriteResult } from './results.ts';
import { assembleService, type ServiceComponents } from './service-assembly.ts';
import { loginTaken } from './login-availability.ts';
import { verifyCredentials, verifyLogin } from './login-verification.ts';
import { loginRefusalError } from './login-refusal.ts';
import type { InactivitySweepResult } from './inactivity-expiry.ts';
import type { VerifyOutcome } from '../hashing/legacy/hasher-chain.ts';
import { isAbortedRedemption } from './store-call.ts';
import { parseHandle, type OutstandingResetToken } from './outstanding-reset-tokens.ts';
import { outcomeOfError } from '../telemetry/outcomes.ts';
import { createTelemetry, type Telemetry } from '../telemetry/telemetry.ts';

export type { OutstandingResetToken, ResetTokenKind } from './outstanding-reset-tokens.ts';
export type { InactivitySweepResult } from './inactivity-expiry.ts';
export type { IssuedResetToken, LoginFailureReason, LoginResult, PasswordChangeCause, LoginValidation, PasswordValidation, PasswordWriteResult } from './results.ts';

const log = createLogger('service');

/** How `#commitPassword` writes: who and what route, and what the write may lift. */
interface PasswordCommit<P extends Principal> {
  readonly via: PasswordChangeVia;
  /** Lift a lockout (never an administrator's revocation), as a reset and an administrator's set do. */
  readonly reinstate: boolean;
  /** A reset: the token redeemed together with the write. */
  readonly redeem?: string;
  /** A change: the verified current password, so a write that lost only to its hash upgrade still stands. */
  readonly current?: string;
  /** The acting principal, when there is one (a change): handed to `onPasswordChanged`. */
  readonly actor?: P;
  /** The new password is a temporary one: it must be changed at the next sign-in (`resetRequiresChange`). */
  readonly changeRequired?: boolean;
  /** A reset by an administrator: also lifts a revocation for inactivity (the way back from `accountExpiryDays`). */
  readonly liftInactivity?: boolean;
  readonly context: CallContext;
}

/** The core service. Create it with `createPasswordService` or get it from `router.service`. */
export class PasswordService<P extends Principal = Principal> {
  /** The service's parts (see service-assembly.ts). */
  readonly #c: ServiceComponents<P>;

  /** @internal Hosts get a service from `createPasswordService` or `router.service`, which check the options first. */
  constructor(config: PasswordConfig<P>, telemetry: Telemetry = createTelemetry(config.telemetry)) {
    this.#c = assembleService(config, telemetry);
  }

  /** `POST /users/:sid/password/reset`: issues a single-use reset token for a local user. */
  async issueResetToken(principal: P, sid: string, context: CallContext = {}): Promise<IssuedResetToken> {
    // One store call for both users when the store has findByIds (issue 25.5b: fewer round trips per issue).
    const { user } = await activeCallerAndUser(this.#c.parts, principal, sid);
    if (user === null) throw new PasswordApiError('not-found', `No user with id ${parseUserId(sid)} exists`);
    const allowed = await this.#c.parts.call('authorizer.canResetPassword', () => this.#c.permissions.canResetPassword(principal, user));
    if (allowed !== true) throw new PasswordApiError('permission-denied', 'You do not have permission to reset the password of this user');
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'The user is a remote user; their password is managed elsewhere');
    return this.#c.resetTokens.issue(user, principal.userId, context);
  }

  /** Whether a `breachedPasswords` checker is configured (UIs then list the `password-breached` rule). */
  get checksBreachedPasswords(): boolean {
    return this.#c.checksBreachedPasswords;
  }

  /** Whether the user store has `findByLogin`: the router mounts `POST /auth/change-password` (`changePasswordWithLogin`) only then. */
  get changeWithLogin(): boolean {
    return typeof this.#c.parts.users.findByLogin === 'function';
  }

  /** Whether self-service reset (`sendResetLink`) is configured: the router mounts `POST /auth/forgot` only then. */
  get selfServiceReset(): { readonly byLogin: boolean; readonly byEmail: boolean } | null {
    if (this.#c.links === undefined) return null;
    const { users } = this.#c.parts;
    return { byLogin: typeof users.findByLogin === 'function', byEmail: typeof users.findByEmail === 'function' };
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
    if (this.#c.links === undefined) throw new TypeError('express-rbac-password: requestResetLink needs the sendResetLink option.');
    return this.#c.links.request(request, context);
  }

  /** Resolves once no self-service request and no password-change notice is being worked on: for graceful shutdowns (and tests). */
  async settled(): Promise<void> {
    await this.#c.links?.settled();
    await this.#c.notices?.settled();
  }

  /**
   * `POST /auth/reset`: redeems a token and sets the new password, reinstating a user the lockout
   * revoked (an administrator's revocation stays: see `stillRevoked`). Does not log the user in.
   * The token is consumed only together with the password write. A reused password is refused
   * without consuming the token, but each refusal spends one of the token's `resetReuseRefusals`.
   */
  async resetPassword(token: string, password: string, context: CallContext = {}): Promise<PasswordWriteResult> {
    const { record, user } = await this.#c.resetTokens.usable(token);
    const normalized = normalizePassword(password);
    this.#c.enforcement.enforceRules(normalized, user, context);
    // Refusals by the rules and the breach check cost nothing: they reveal no stored secret.
    await this.#c.enforcement.enforceBreach(normalized, user, context);
    const reuse = await this.#c.enforcement.reuseFailures(normalized, user, hashOptionsOf(context), { via: 'reset', context });
    if (reuse.length > 0) {
      // Each refusal told the caller something about the stored hashes: the token pays for it first.
      await this.#c.resetTokens.payForRefusal(record, user.id);
      this.#c.enforcement.reject(user, reuse, context);
    }
    // A token an administrator issued is an administrator's reset: it also lifts an inactivity revocation.
    const liftInactivity = record.issuedBy !== null;
    const written = await this.#commitPassword(user, normalized, { via: 'reset', reinstate: true, liftInactivity, redeem: record.id, context });
    if (written === null) throw invalidToken();
    return written;
  }

  /**
   * The one password-write path of a reset, a change and an administrator's set: hash, write
   * with a compare-and-set on the hash read (inside the token's redemption for a reset), then
   * what follows a committed write (`#afterCommit`). Null when a concurrent password write won,
   * or the token was redeemed meanwhile: nothing was written.
   */
  async #commitPassword(user: PasswordUser, normalized: string, write: PasswordCommit<P>): Promise<PasswordWriteResult | null> {
    const passwordHash = await hashWith(this.#c.hasher, normalized, hashOptionsOf(write.context));
    const late: Promise<unknown>[] = [];
    // A change of one's own password commits only on an account still active (issue 18: a concurrent failure may have locked it).
    const store = () =>
      this.#c.storeWrite.write(user, passwordHash, write.reinstate, write.current, late, write.via === 'change', write.changeRequired === true, write.liftInactivity === true);
    try {
      const written = write.redeem === undefined ? await store() : await this.#c.resetTokens.redeem(write.redeem, store, late);
      if (!written) return null;
    } catch (error) {
      // The write lost to a concurrent one inside the redemption: the store rolled the claim back.
      if (isAbortedRedemption(error)) return null;
      // Answered 503, but the store may still commit: then what follows a change runs after all.
      this.#c.storeWrite.settleLate(user.id, passwordHash, late, async (extra) => void (await this.#afterCommit(user, write, extra)));
      throw error;
    }
    return this.#afterCommit(user, write);
  }

  /**
   * What follows a committed password write: after the commit, not inside a redemption's `apply`
   * (a failed statement there would abort a database transaction). Tokens die, the events go out,
   * the host's `onPasswordChanged` runs (with the acting principal, when there is one), and the
   * owner's notice (`notifyPasswordChanged`) is scheduled.
   */
  async #afterCommit(user: PasswordUser, write: PasswordCommit<P>, extra: Record<string, unknown> = {}): Promise<PasswordWriteResult> {
    await this.#c.storeWrite.revokeTokens(user.id);
    const result = announcePasswordWrite(this.#c.parts, user, write.via, write.context, extra, write.liftInactivity === true);
    await callPasswordChanged(this.#c.onPasswordChanged, user, write.via, write.context, write.actor);
    // On a later turn, so after the answer; a failed notice never undoes the write.
    this.#c.notices?.schedule(user, write.via, write.context);
    return result;
  }

  /** `PUT /users/current/password`: the signed-in user changes their own password. */
  async changePassword(principal: P, currentPassword: string, password: string, context: CallContext = {}): Promise<void> {
    const user = await requireActiveCaller(this.#c.parts, principal, true);
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'Remote users cannot change their password here; it is managed by their identity provider');
    const normalized = normalizePassword(password);
    const current = normalizePassword(currentPassword);
    // Rules first: a new password that breaks them is refused before any bcrypt work.
    this.#c.enforcement.enforceRules(normalized, user, context);
    await this.#c.enforcement.enforceBreach(normalized, user, context);
    const job = hashOptionsOf(context);
    const verified = await this.#c.verification.verify(current, user.passwordHash, user.id, job);
    if (!verified.match) {
      const failure = await this.#c.attempts.recordFailure(user, user.id, context);
      // A revoke or a concurrent lock came first, so nothing was counted: answer as on a closed account.
      if (failure !== null && !failure.lockedNow) assertAccountActive(failure, this.#c.parts.now());
      throw new PasswordApiError('permission-denied', 'The current password is incorrect');
    }
    await this.#changeVerified(user, current, verified, normalized, principal, context);
  }

  /**
   * `POST /auth/change-password`: changes a password with the login and the current password, no
   * session needed: the way out of `password-change-required`, and open to any local account
   * (it proves what a sign-in proves). The login check is `verifyLogin`'s: an unknown login, a
   * wrong password, a revoked or locked account all answer 401 `user-unauthenticated` after the
   * same work (with `revealAccountState`, `user-revoked` / `user-locked` as `verifyLogin` tells
   * them), and a wrong password counts toward the lockout. Then the rules, the breach check and
   * the history apply as on `changePassword`; the new password clears the change-required flag.
   */
  async changePasswordWithLogin(login: string, currentPassword: string, password: string, context: CallContext = {}): Promise<void> {
    const checked = await verifyCredentials(this.#c.login, login, currentPassword, context, true);
    if (!checked.ok) throw loginRefusalError(checked);
    const { user } = checked;
    const normalized = normalizePassword(password);
    this.#c.enforcement.enforceRules(normalized, user, context);
    await this.#c.enforcement.enforceBreach(normalized, user, context);
    await this.#changeVerified(user, checked.normalized, checked.verified, normalized, undefined, context);
  }

  /**
   * A change of one's own password once the current one is verified: history, then the write on
   * an account still active (a concurrent lock wins). `principal` is the session's, when there is
   * one (handed to `onPasswordChanged`, so that session can be kept).
   */
  async #changeVerified(user: PasswordUser, current: string, verified: VerifyOutcome, normalized: string, principal: P | undefined, context: CallContext): Promise<void> {
    const caller = principal ?? ({ userId: user.id } as P);
    let written = false;
    // The right current password clears the counter. A store that honours `activeAt` clears it in
    // the write's own atomic step (issue 18, D'): cleared here first, a write that a revoke or lock
    // then refused would leave the counter cleared by a change that never happened.
    const clearsWithWrite = this.#c.attempts.clearsWithWrite;
    const clearFirst = async () => {
      if ((user.failedAttempts ?? 0) === 0) return;
      // A concurrent failure may have locked the account since we read it: then it came first.
      const outcome = await this.#c.attempts.recordSuccess(user);
      if (outcome !== 'ok') await this.#refuseLostChange(caller);
    };
    try {
      if (!clearsWithWrite) await clearFirst();
      const reuse = normalized === current ? [reusedPasswordFailure(this.#c.policy)] : await this.#c.enforcement.historyFailures(normalized, user, hashOptionsOf(context));
      if (reuse.length > 0) {
        // No write follows, so the success is recorded on its own (still ordered against failures).
        if (clearsWithWrite) await clearFirst();
        this.#c.enforcement.reject(user, reuse, context);
      }
      written =
        (await this.#commitPassword(user, normalized, { via: 'change', reinstate: false, current, ...(principal === undefined ? {} : { actor: principal }), context })) !== null;
    } finally {
      // The right current password, but no change went through (the new one was refused, or a
      // concurrent write won): upgrade the current hash. The compare-and-set keeps any winner.
      if (!written) this.#c.upgradeLater(user, current, verified, 'change', context);
    }
    if (!written) await this.#refuseLostChange(caller);
  }

  /**
   * A change that lost a race: to a lock or revocation (the store refused the write with
   * `activeAt`, or the success found the account closed), answered as on a closed account, or to
   * a concurrent password write, answered 409.
   */
  async #refuseLostChange(principal: P): Promise<never> {
    await requireActiveCaller(this.#c.parts, principal, true);
    throw new PasswordApiError('conflict', 'The password was changed by another request at the same time; try again');
  }

  /**
   * `POST /command/validate-password`: checks a candidate against the policy's rules for the
   * token's user (when a reset token is given, which is not consumed) or for the signed-in user.
   * It never compares against stored hashes (the current password and the history): that would
   * be a free oracle for them. Reuse is checked when the password is submitted.
   */
  async validatePassword(password: string, subject: { readonly resetToken: string } | { readonly principal: P }, context: CallContext = {}): Promise<PasswordValidation> {
    const user = 'resetToken' in subject ? (await this.#c.resetTokens.usable(subject.resetToken)).user : await requireActiveCaller(this.#c.parts, subject.principal, false);
    const normalized = normalizePassword(password);
    const failures = [...checkPasswordRules(normalized, this.#c.policy, this.#c.enforcement.ruleContext(user))];
    if (failures.length === 0) failures.push(...(await this.#c.enforcement.breachFailures(normalized, user, context, false)));
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
    if (caller !== undefined) await requireActiveCaller(this.#c.parts, caller, false);
    const failures = checkLoginRules(login, this.#c.policy);
    // Storage is read only for a well-formed login (a NUL would make PostgreSQL raise), and only for callers allowed to learn the answer.
    if (failures.length === 0 && (caller === undefined || (await mayCreateUsers(this.#c.parts, this.#c.permissions, caller))) && (await loginTaken(this.#c.parts, login))) {
      failures.push(loginFailure('login-taken'));
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
    const telemetry = this.#c.telemetry;
    if (!telemetry.enabled) return verifyLogin(this.#c.login, login, password, context, true);
    const record = telemetry.startOperation('sign-in');
    return record
      .run(() => verifyLogin(this.#c.login, login, password, context, true))
      .then(
        (result) => {
          record.end(result.ok ? 'success' : result.reason);
          return result;
        },
        (error: unknown) => {
          record.end(outcomeOfError(error));
          throw error;
        },
      );
  }

  /**
   * Sets a user's password directly, as an administrator (the admin CLI): policy applies, tokens
   * die, a lockout is lifted. An administrator's revocation stays (see `stillRevoked`): lift it
   * with `reinstate`. (Not `UserStore.setPassword`, the store's raw compare-and-set write.)
   */
  async setPasswordAsAdmin(userId: string, password: string, context: CallContext = {}): Promise<PasswordWriteResult> {
    const user = await this.#c.parts.findUser(parseUserId(userId));
    if (user === null) throw new PasswordApiError('not-found', `No user with id ${userId} exists`);
    if (user.isRemote) throw new PasswordApiError('permission-denied', 'The user is a remote user; their password is managed elsewhere');
    const normalized = normalizePassword(password);
    await this.#c.enforcement.enforce(normalized, user, context, 'admin');
    // The store lifts only a lockout: an administrator's revocation stays.
    // With `resetRequiresChange`, the administrator's password is a temporary one.
    const written = await this.#commitPassword(user, normalized, { via: 'admin', reinstate: true, liftInactivity: true, changeRequired: this.#c.resetRequiresChange, context });
    if (written === null) throw new PasswordApiError('conflict', 'The password was changed by another request at the same time; try again');
    return written;
  }

  /** @deprecated Renamed `setPasswordAsAdmin` (this name is `UserStore.setPassword`'s, which does something else); kept for hosts that call it. */
  setPassword(userId: string, password: string, context: CallContext = {}): Promise<PasswordWriteResult> {
    return this.setPasswordAsAdmin(userId, password, context);
  }

  /**
   * The inactivity sweep (`accountExpiryDays`, the product's `account-expiry-days`): revokes, with
   * kind `'inactivity'`, every local non-superuser account whose last sign-in (never signed in: the
   * password's time, else the creation) is more than `accountExpiryDays` before `now`, each in one
   * atomic store step that a sign-in recorded meanwhile wins. Emits `account-expired` for each.
   * `dryRun` reads only. Needs the option (and `userStore.findInactive`, `expireInactive`).
   */
  async expireInactiveAccounts(now: Date = this.#c.parts.now(), options: { readonly dryRun?: boolean } = {}, context: CallContext = {}): Promise<InactivitySweepResult> {
    if (this.#c.expiry === null) throw new TypeError('express-rbac-password: expireInactiveAccounts needs the accountExpiryDays option.');
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('expireInactiveAccounts: now must be a valid Date');
    return this.#c.expiry.sweep(now, options.dryRun === true, context);
  }

  /**
   * An administrator's "must change the password at the next sign-in": the right password then
   * answers `password-change-required` (no session) until the user chooses a new one. Needs
   * `userStore.setPasswordChangeRequired`. Resolves false when the user does not exist; a remote
   * user (no local password) is refused with `permission-denied`. Emits `password-change-required`.
   */
  async requirePasswordChange(userId: string, actorId: string | null = null, context: CallContext = {}): Promise<boolean> {
    const id = parseUserId(userId);
    const users = this.#c.parts.users;
    const setRequired = users.setPasswordChangeRequired;
    if (typeof setRequired !== 'function') throw new TypeError('express-rbac-password: requirePasswordChange needs userStore.setPasswordChangeRequired().');
    const user = await this.#c.parts.findUser(id);
    if (user === null) return false;
    if (user.isRemote || user.passwordHash === null) throw new PasswordApiError('permission-denied', 'The user has no local password to change');
    if (!(await this.#c.parts.call('userStore.setPasswordChangeRequired', (o) => setRequired.call(users, id, true, o)))) return false;
    log('user %s must change the password at the next sign-in (asked by %s)', id, actorId ?? 'unknown');
    this.#c.parts.emit('password-change-required', id, actorId, context);
    return true;
  }

  /**
   * An administrator's revocation: only an administrator's `reinstate` lifts it, never a reset.
   * Kills the user's outstanding reset tokens with it (see `revokeByAdministrator` for how the
   * two stores act as one step). Resolves false when the user does not exist.
   */
  async revoke(userId: string, actorId: string | null = null, context: CallContext = {}): Promise<boolean> {
    const id = parseUserId(userId);
    const done = await revokeByAdministrator(this.#c.parts.users, this.#c.parts.tokens, id, (operation, call) => this.#c.parts.call(operation, call));
    if (done) {
      log('account %s revoked by an administrator (%s)', id, actorId ?? 'unknown');
      this.#c.parts.emit('account-revoked', id, actorId, context, { revokedBy: 'admin' });
    }
    return done;
  }

  /**
   * An administrator's reinstate: lifts either kind of revocation, any temporary lock, and clears
   * the counter. The password is left as it is, and it may have been guessed before the lockout
   * tripped: prefer `reinstateWithResetToken`, which also hands out a reset token.
   */
  async reinstate(userId: string, actorId: string | null = null, context: CallContext = {}): Promise<boolean> {
    const id = parseUserId(userId);
    const before = await reinstateByAdministrator(this.#c.parts.users, id, this.#c.parts.call);
    if (before === false) return false;
    this.#c.parts.emit('account-reinstated', id, actorId, context, { via: 'admin', revokedBy: before === null ? null : revocationOf(before) });
    return true;
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
   * `GET /users/:sid/password/reset-tokens`: the metadata of the user's outstanding reset tokens
   * (never a token, nor its id), oldest first, for an administrator whom `canResetPassword`
   * allows for this user: the same check as issuing one. 501 `not-implemented` when the token
   * store lacks `listOutstanding` / `revokeOutstanding`.
   */
  async listResetTokens(principal: P, sid: string): Promise<OutstandingResetToken[]> {
    const user = await this.#resetTarget(principal, sid);
    return this.#c.outstanding.list(user.id);
  }

  /**
   * `DELETE /users/:sid/password/reset-tokens[/:handle]`: revokes the user's outstanding reset
   * tokens, or only the one `handle` names (404 `not-found` when it names none that is still
   * outstanding), under the same check as `listResetTokens`. Resolves how many were revoked.
   * Against a concurrent redemption exactly one wins: the token is counted here, or the reset
   * succeeds and it is not.
   */
  async revokeResetTokens(principal: P, sid: string, handle: string | null = null, context: CallContext = {}): Promise<number> {
    const user = await this.#resetTarget(principal, sid);
    return this.#c.outstanding.revoke(user.id, handle === null ? null : parseHandle(handle), principal.userId, context);
  }

  /** The user an administrator acts on for the outstanding-token calls, checked as for issuing a token; nothing is read before the caller is. */
  async #resetTarget(principal: P, sid: string): Promise<PasswordUser> {
    await requireActiveCaller(this.#c.parts, principal, false);
    this.#c.outstanding.assertSupported();
    const userId = parseUserId(sid);
    const user = await this.#c.parts.findUser(userId);
    if (user === null) throw new PasswordApiError('not-found', `No user with id ${userId} exists`);
    const allowed = await this.#c.parts.call('authorizer.canResetPassword', () => this.#c.permissions.canResetPassword(principal, user));
    if (allowed !== true) throw new PasswordApiError('permission-denied', 'You do not have permission to reset the password of this user');
    return user;
  }

  /**
   * Waits for pending self-service requests, then stops the default hashing pool (idle workers never
   * keep the process alive, so this is for clean shutdowns and tests). A host's own `hasher` is left
   * alone. Idempotent.
   */
  async close(): Promise<void> {
    // Self-service requests already answered 202 still get their mail.
    await this.settled();
    await this.#c.upgrades.settled();
    await Promise.all(this.#c.hashing.ownPools.map((pool) => pool.close()));
    // After the pools closed: the jobs they refused on closing are counted.
    this.#c.stopWatchingHashJobs();
  }

  /**
   * Resolves once every hash upgrade started so far has finished. Upgrades run after the answer
   * (see `legacyHashes`); this is for graceful shutdowns and tests. `close()` waits for them too.
   */
  hashUpgradesSettled(): Promise<void> {
    return this.#c.upgrades.settled();
  }

  /** The hasher in use: the default worker pool, or the host's own. */
  get hasher(): Hasher {
    return this.#c.hasher;
  }

  /** The policy in force, for UIs and docs. */
  get policy(): ResolvedPasswordPolicy {
    return this.#c.policy;
  }

  /**
   * The scheme that would verify a stored hash (`bcrypt`, `pbkdf2-sha256`, a custom name…), or
   * null when neither the hasher nor any of `legacyHashes` recognizes it. For importers checking
   * hashes before they write them; does no hashing.
   */
  hashScheme(hash: string): string | null {
    return typeof hash === 'string' ? this.#c.hashing.chain.scheme(hash) : null;
  }

  /** Hashes a password for seeding users (normalized the same way as every other path). */
  hashPassword(password: string, context: CallContext = {}): Promise<string> {
    return hashWith(this.#c.hasher, normalizePassword(password), hashOptionsOf(context));
  }
}

/** Creates the core service without HTTP (for the CLI, jobs, or a host's own routes). */
export function createPasswordService<P extends Principal = Principal>(options: PasswordServiceOptions<P>): PasswordService<P> {
  return new PasswordService(resolveOptions(options));
}
