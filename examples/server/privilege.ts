/**
 * The no-escalation rule of the reference server: a caller may reset the password of, revoke or
 * reinstate only a user whose permissions the caller holds too. Without it, a holder of
 * `users:reset_password:*` could reset a superuser's password, sign in as them and hold every
 * permission. A superuser can be reset, revoked or reinstated only by a superuser.
 */
import type { ReferenceStore } from './storage/reference-store.ts';
import { PERMISSION_ACTIONS, permits } from './permissions.ts';

interface Holder {
  readonly isSuperuser: boolean;
  readonly permissions: readonly string[];
}

/** Whether `caller` holds every permission `target` holds (a superuser target needs a superuser caller). */
export function holdsEverythingOf(caller: Holder, target: Holder): boolean {
  if (caller.isSuperuser) return true;
  if (target.isSuperuser) return false;
  return target.permissions.every((permission) => {
    const at = permission.lastIndexOf(':');
    const action = permission.slice(0, at) as (typeof PERMISSION_ACTIONS)[number];
    // A permission this server does not check grants nothing here, but it is the caller's to hold as well.
    if (!(PERMISSION_ACTIONS as readonly string[]).includes(action)) return caller.permissions.includes(permission);
    return permits(caller, action, permission.slice(at + 1));
  });
}

/** Whether `caller` may act on the user `targetId` under the rule; false for an unknown user. */
export async function outranksOrEquals(store: ReferenceStore, caller: Holder, targetId: string): Promise<boolean> {
  if (caller.isSuperuser) return true;
  const target = await store.findAccountById(targetId);
  if (target === null) return false;
  return holdsEverythingOf(caller, { isSuperuser: target.isSuperuser, permissions: await store.state.getPermissions(target.id) });
}
