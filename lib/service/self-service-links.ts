/**
 * Self-service reset (`POST /auth/forgot`): finds the account a request names and mails it a
 * link, after the answer, throttled per account and bounded in how many run at once. Logs ids
 * and outcomes only, never the typed login or email.
 */
import type { ResolvedLockout } from '../config/password-config.ts';
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import { LocalResetLinkSlots, PendingResetLinks, SEND_TIMEOUT_MS, type ResetLinkRequest, type SendResetLink } from '../self-service/reset-links.ts';
import type { PasswordUser } from '../types.ts';
import { describeError } from './describe-error.ts';
import type { IssuedResetToken } from './results.ts';
import type { ServiceParts } from './service-parts.ts';
import { storeCall } from './store-call.ts';

const log = createLogger('service');

export interface SelfServiceLinksDeps {
  readonly parts: ServiceParts;
  readonly send: SendResetLink;
  readonly cooldownMs: number;
  readonly maxPending: number;
  readonly lockout: ResolvedLockout | null;
  readonly normalizeIdentifier: (value: string) => string;
  readonly issue: (user: PasswordUser, context: CallContext) => Promise<IssuedResetToken>;
}

export class SelfServiceLinks {
  readonly #deps: SelfServiceLinksDeps;
  readonly #pending: PendingResetLinks;
  /** The cooldown when the token store has no `claimResetLinkSlot`: this process's own. */
  readonly #localSlots = new LocalResetLinkSlots();
  readonly #work = new Set<Promise<void>>();

  constructor(deps: SelfServiceLinksDeps) {
    this.#deps = deps;
    this.#pending = new PendingResetLinks(deps.maxPending);
  }

  /** See `PasswordService.requestResetLink`: starts the work on a later turn and returns its promise, which never rejects. */
  request(request: ResetLinkRequest, context: CallContext): Promise<void> {
    if (!this.#pending.start()) {
      log('self-service reset request dropped: %d already pending', this.#pending.pending);
      return Promise.resolve();
    }
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#sendLink(request, context))
      .catch((error: unknown) => log('self-service reset request failed: %s', describeError(error)))
      .finally(() => {
        this.#pending.finish();
        this.#work.delete(work);
      });
    this.#work.add(work);
    return work;
  }

  /** Resolves once no request is being worked on. */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }

  /** The work behind a request, after the answer. */
  async #sendLink(request: ResetLinkRequest, context: CallContext): Promise<void> {
    const { parts, lockout, send } = this.#deps;
    const user = await this.#findForLink(request);
    if (user === null) {
      log('self-service reset: no matching account');
      return;
    }
    const email = user.email;
    const revokedByLockout = lockout !== null && lockout.action.mode === 'revoke' && (user.failedAttempts ?? 0) >= lockout.threshold;
    if (user.isRemote || (user.isRevoked && !revokedByLockout) || typeof email !== 'string' || email === '') {
      log('self-service reset: no link for user %s (remote, revoked by an administrator, or no email)', user.id);
      return;
    }
    const claimedAt = parts.now();
    if (!(await this.#claimSlot(user.id, claimedAt))) {
      log('self-service reset: user %s got a link within the cooldown; none sent', user.id);
      return;
    }
    let issued: IssuedResetToken;
    try {
      issued = await this.#deps.issue(user, context);
    } catch (error) {
      await this.#releaseSlot(user.id, claimedAt);
      throw error;
    }
    const link = issued.link as string;
    let timedOut = false;
    try {
      await storeCall(
        'sendResetLink',
        SEND_TIMEOUT_MS,
        () => send(user, link, { requestId: context.requestId ?? null, email, expiresAt: issued.expiresAt, requestedBy: 'email' in request ? 'email' : 'login' }),
        () => {
          timedOut = true;
        },
      );
      log('self-service reset link handed over for user %s', user.id);
    } catch (error) {
      log('sendResetLink failed for user %s: %s', user.id, describeError(error));
      parts.emit('reset-link-failed', user.id, null, context, { reason: describeError(error) });
      // A send that threw sent nothing, so the user may ask again at once; one that timed out may still deliver.
      if (!timedOut) await this.#releaseSlot(user.id, claimedAt);
    }
  }

  /** The account's cooldown slot: from the token store when it shares one across instances, else this process's. */
  async #claimSlot(userId: string, now: Date): Promise<boolean> {
    const { parts, cooldownMs } = this.#deps;
    const { tokens } = parts;
    const claim = tokens.claimResetLinkSlot;
    if (typeof claim !== 'function') return this.#localSlots.claim(userId, cooldownMs, now);
    return (await parts.call('tokenStore.claimResetLinkSlot', (o) => claim.call(tokens, userId, { cooldownMs, now }, o))) === true;
  }

  /** Gives the slot back; a failure only means the user waits out the cooldown, so it is logged. */
  async #releaseSlot(userId: string, claimedAt: Date): Promise<void> {
    const { parts } = this.#deps;
    const { tokens } = parts;
    const release = tokens.releaseResetLinkSlot;
    if (typeof release !== 'function') {
      this.#localSlots.release(userId, claimedAt);
      return;
    }
    await parts
      .call('tokenStore.releaseResetLinkSlot', (o) => release.call(tokens, userId, claimedAt, o))
      .catch((error: unknown) => log('releaseResetLinkSlot failed for user %s: %s', userId, describeError(error)));
  }

  /** The account the request names, matched exactly after `normalizeIdentifier`, or null. */
  async #findForLink(request: ResetLinkRequest): Promise<PasswordUser | null> {
    const { parts, normalizeIdentifier } = this.#deps;
    const { users, call } = parts;
    if ('email' in request) {
      const email = normalizeIdentifier(request.email);
      const find = users.findByEmail;
      if (typeof find !== 'function') return null;
      const user = await call('userStore.findByEmail', (o) => find.call(users, email, o));
      // A store that folds case or Unicode may hand back mike@ for mıke@: only an exact match counts.
      return user != null && user.email === email ? user : null;
    }
    const login = normalizeIdentifier(request.login);
    const find = users.findByLogin;
    if (typeof find !== 'function') return null;
    const user = await call('userStore.findByLogin', (o) => find.call(users, login, o));
    return user != null && user.login === login ? user : null;
  }
}
