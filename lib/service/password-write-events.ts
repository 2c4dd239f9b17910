/**
 * What a committed password write announces: `password-reset` or `password-changed` (with
 * `stillRevoked` when an administrator's revocation stays), and `account-reinstated` when the
 * write lifted a lockout; then the host's `onPasswordChanged`. Also after a write that committed
 * only after its timeout (`extra`).
 */
import type { CallContext, PasswordChangeVia } from '../events.ts';
import { createLogger } from '../log.ts';
import type { PasswordServiceOptions } from '../options.ts';
import type { PasswordUser, Principal, RevocationKind } from '../types.ts';
import { isLocked } from './account-state.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');

/** Logs and emits the events of a committed write by `via`; answers whether an administrator's revocation stays. */
export function announcePasswordWrite(
  parts: ServiceParts,
  user: PasswordUser,
  via: PasswordChangeVia,
  context: CallContext,
  extra: Record<string, unknown>,
  liftsInactivity = false,
): { stillRevoked: boolean; revokedBy?: 'admin' | 'inactivity' } {
  // A change needs an active account; a reset or an administrator's set lifts a lockout, and an
  // administrator's reset also an inactivity revocation; an administrator's revocation stays.
  const kind = revocationOf(user);
  const stillRevoked = via !== 'change' && (kind === 'admin' || (kind === 'inactivity' && !liftsInactivity));
  const kept = stillRevoked ? { stillRevoked: true, revokedBy: kind } : {};
  const stays = stillRevoked ? ` (stays revoked: ${kind})` : '';
  if (via === 'reset') {
    log('password reset with token for user %s%s', user.id, stays);
    parts.emit('password-reset', user.id, null, context, nonEmpty({ ...extra, ...kept }));
  } else if (via === 'change') {
    log('password changed by user %s', user.id);
    parts.emit('password-changed', user.id, user.id, context, nonEmpty(extra));
  } else {
    log('password of user %s set by an administrator%s', user.id, stays);
    parts.emit('password-changed', user.id, null, context, { via, ...kept, ...extra });
  }
  // A reset also announces the clearing of a mere failure count; an administrator's set, a lift of a revocation or lock.
  const reinstated = user.isRevoked || isLocked(user, parts.now()) || (via === 'reset' && (user.failedAttempts ?? 0) > 0);
  if (via !== 'change' && !stillRevoked && reinstated) parts.emit('account-reinstated', user.id, null, context, { via, revokedBy: revocationOf(user), ...extra });
  return stillRevoked ? { stillRevoked, revokedBy: kind === 'inactivity' ? 'inactivity' : 'admin' } : { stillRevoked };
}

/** Runs the host's `onPasswordChanged` with the acting principal, when there is one; its errors are logged, and the change stands. */
export async function callPasswordChanged<P extends Principal>(
  hook: PasswordServiceOptions<P>['onPasswordChanged'],
  user: PasswordUser,
  via: PasswordChangeVia,
  context: CallContext,
  principal: P | undefined,
): Promise<void> {
  if (hook === undefined) return;
  try {
    await hook(user, { via, ...context, ...(principal === undefined ? {} : { principal }) });
  } catch (error) {
    log('onPasswordChanged failed for user %s: %s', user.id, (error as Error)?.name ?? 'error');
  }
}

/** The kind of a revoked user's revocation (unknown reads as an administrator's), or null. */
export function revocationOf(user: PasswordUser): RevocationKind | null {
  if (!user.isRevoked) return null;
  return user.revokedBy === 'lockout' || user.revokedBy === 'inactivity' ? user.revokedBy : 'admin';
}

/** Event details, or none at all when there are none (events keep their shape when nothing is added). */
function nonEmpty(details: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(details).length === 0 ? undefined : details;
}
