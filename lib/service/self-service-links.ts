/**
 * Self-service reset (`POST /auth/forgot`): finds the account a request names and mails it a
 * link, after the answer, throttled per account and bounded in how many run at once. Logs ids
 * and outcomes only, never the typed login or email.
 */
import type { ResolvedLockout } from '../config/password-config.ts';
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import { ResetLinkThrottle, SEND_TIMEOUT_MS, type ResetLinkRequest, type SendResetLink } from '../self-service/reset-links.ts';
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
  readonly #throttle: ResetLinkThrottle;
  readonly #work = new Set<Promise<void>>();

  constructor(deps: SelfServiceLinksDeps) {
    this.#deps = deps;
    this.#throttle = new ResetLinkThrottle(deps.cooldownMs, deps.maxPending);
  }

  /** See `PasswordService.requestResetLink`: starts the work on a later turn and returns its promise, which never rejects. */
  request(request: ResetLinkRequest, context: CallContext): Promise<void> {
    if (!this.#throttle.start()) {
      log('self-service reset request dropped: %d already pending', this.#throttle.pending);
      return Promise.resolve();
    }
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#sendLink(request, context))
      .catch((error: unknown) => log('self-service reset request failed: %s', describeError(error)))
      .finally(() => {
        this.#throttle.finish();
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
    if (!this.#throttle.claim(user.id, parts.now().getTime())) {
      log('self-service reset: user %s got a link within the cooldown; none sent', user.id);
      return;
    }
    let issued: IssuedResetToken;
    try {
      issued = await this.#deps.issue(user, context);
    } catch (error) {
      this.#throttle.release(user.id);
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
      parts.emit('reset-link-failed', user.id, null, context, { reason: describeError(error) });
    }
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
