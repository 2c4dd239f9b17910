/**
 * Who is calling, as the service checks it on every principal-facing method: user ids are UUIDs,
 * a caller's own account must be active (revoked or locked answers 401, as on the router's
 * routes), and only callers allowed to create users may learn which logins exist.
 */
import { PasswordApiError } from '../errors.ts';
import type { PasswordUser, Principal } from '../types.ts';
import type { ServiceAuthorizer } from '../options.ts';
import { assertAccountActive } from './account-state.ts';
import type { ServiceParts } from './service-parts.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user id from a path or a call, lower-cased; `invalid-uuid` (400) when it is not a UUID. */
export function parseUserId(sid: string): string {
  if (typeof sid !== 'string' || !UUID.test(sid)) throw new PasswordApiError('invalid-uuid', 'The user id must be a UUID');
  return sid.toLowerCase();
}

/**
 * The caller's own account, refused when revoked or locked. Without one: `permission-denied` when
 * `mustExist` (a change of one's own password), else null (an administrator from elsewhere).
 */
export async function requireActiveCaller(parts: ServiceParts, principal: Principal, mustExist: true): Promise<PasswordUser>;
export async function requireActiveCaller(parts: ServiceParts, principal: Principal, mustExist: false): Promise<PasswordUser | null>;
export async function requireActiveCaller(parts: ServiceParts, principal: Principal, mustExist: boolean): Promise<PasswordUser | null> {
  const id = principal.userId.toLowerCase();
  const user = UUID.test(id) ? await parts.findUser(id) : null;
  if (user === null) {
    if (mustExist) throw new PasswordApiError('permission-denied', 'The current user has no local account in this service');
    return null;
  }
  assertAccountActive(user, parts.now());
  return user;
}

/**
 * `requireActiveCaller(parts, principal, false)`, then the user with id `sid` (`invalid-uuid` when
 * it is not one), as one store call when the user store has `findByIds`. The refusals come in
 * the same order either way: the caller's account first, then a bad `sid`.
 */
export async function activeCallerAndUser(parts: ServiceParts, principal: Principal, sid: string): Promise<{ caller: PasswordUser | null; user: PasswordUser | null }> {
  const { users } = parts;
  const findByIds = users.findByIds;
  const callerId = principal.userId.toLowerCase();
  if (typeof findByIds === 'function' && UUID.test(callerId) && typeof sid === 'string' && UUID.test(sid)) {
    const userId = sid.toLowerCase();
    const ids = callerId === userId ? [callerId] : [callerId, userId];
    const found = await parts.call('userStore.findByIds', (o) => findByIds.call(users, ids, o));
    const caller = found[0] ?? null;
    if (caller !== null) assertAccountActive(caller, parts.now());
    return { caller, user: (ids.length === 1 ? caller : found[1]) ?? null };
  }
  const caller = await requireActiveCaller(parts, principal, false);
  const userId = parseUserId(sid);
  return { caller, user: callerId === userId && caller !== null ? caller : await parts.findUser(userId) };
}

/** Whether the caller may learn that a login is taken: only those allowed to create users. */
export async function mayCreateUsers<P extends Principal>(parts: ServiceParts, permissions: ServiceAuthorizer<P>, caller: P): Promise<boolean> {
  const canCreateUsers = permissions.canCreateUsers;
  if (typeof canCreateUsers !== 'function') return false;
  return (await parts.call('authorizer.canCreateUsers', () => canCreateUsers.call(permissions, caller))) === true;
}
