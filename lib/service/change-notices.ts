/**
 * "Your password was changed" notices (`notifyPasswordChanged`): one per committed password
 * write by a reset, a change of one's own password or an administrator (a write that committed
 * after its timeout too), never for a refused write or a silent hash upgrade. Each runs on a
 * later turn of the event loop, after the answer, under a time limit; a failure is logged (the
 * user id and the error's class only) and emitted as `password-change-notice-failed`, and the
 * password write stands.
 */
import type { CallContext, PasswordChangeVia } from '../events.ts';
import { StoreUnavailableError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type { Awaitable, PasswordUser } from '../types.ts';
import type { ServiceParts } from './service-parts.ts';
import { storeCall } from './store-call.ts';

const log = createLogger('service');

/** What `notifyPasswordChanged` gets besides the user: never the password, a token or a link. */
export interface PasswordChangeNotice {
  /** The user's stored email, or null when there is none (the host may reach them another way). */
  readonly email: string | null;
  /** How the password was written: by a reset link, by the user (`change`), or by an administrator. */
  readonly how: PasswordChangeVia;
  /** When the write committed, by the service's clock. */
  readonly at: Date;
  /** The request's id, or null outside HTTP: for following the notice through the logs. */
  readonly requestId: string | null;
}

/** The host's notice hook. A throw, a rejection or a run past 30 s is logged and emitted; the change stands. */
export type NotifyPasswordChanged = (user: PasswordUser, notice: PasswordChangeNotice) => Awaitable<void>;

/** Milliseconds `notifyPasswordChanged` may take before it is given up on (as `sendResetLink`). */
export const NOTICE_TIMEOUT_MS = 30_000;

export class PasswordChangeNotices {
  readonly #parts: ServiceParts;
  readonly #notify: NotifyPasswordChanged;
  readonly #work = new Set<Promise<void>>();

  constructor(parts: ServiceParts, notify: NotifyPasswordChanged) {
    this.#parts = parts;
    this.#notify = notify;
  }

  /** Starts the notice of a committed write on a later turn (after the answer); returns at once. */
  schedule(user: PasswordUser, how: PasswordChangeVia, context: CallContext): void {
    const at = this.#parts.now();
    const email = typeof user.email === 'string' && user.email !== '' ? user.email : null;
    const notice: PasswordChangeNotice = { email, how, at, requestId: context.requestId ?? null };
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      // The user as read before the write, without its (old) hash: a notice needs no secret.
      .then(() => storeCall('notifyPasswordChanged', NOTICE_TIMEOUT_MS, () => this.#notify({ ...user, passwordHash: null }, notice)))
      .then(
        () => log('password-change notice (%s) handed over for user %s', how, user.id),
        (error: unknown) => {
          const reason = reasonOf(error);
          log('notifyPasswordChanged failed for user %s (%s): %s', user.id, how, reason);
          this.#parts.emit('password-change-notice-failed', user.id, null, context, { how, reason });
        },
      )
      .finally(() => this.#work.delete(work));
    this.#work.add(work);
  }

  /** Resolves once every notice started so far has finished (each one handles its own errors). */
  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all([...this.#work]);
  }
}

/** `timeout`, or the class name of what the hook threw: its message may hold an address. */
function reasonOf(error: unknown): string {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  if (error instanceof StoreUnavailableError && /^timed out/.test(String((cause as Error | null)?.message))) return 'timeout';
  return (cause as Error | null)?.name ?? 'error';
}
