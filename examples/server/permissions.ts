/**
 * Permissions in the product's `object_type:action:instance` form, e.g. `users:reset_password:<uuid>`
 * or `users:reset_password:*`. Superusers hold every permission.
 */

/** The permissions this server checks. */
export const PERMISSION_ACTIONS = ['users:reset_password', 'users:disable', 'users:create'] as const;

/** Actions that concern no particular user: only the instance `*` makes sense. */
const GLOBAL_ACTIONS: readonly string[] = ['users:create'];

const PERMISSION = /^([a-z_]+):([a-z_]+):(\*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Whether `text` is a well-formed permission of an action this server knows. */
export function isKnownPermission(text: string): boolean {
  const match = PERMISSION.exec(text);
  if (match === null) return false;
  const action = `${match[1]}:${match[2]}`;
  return (PERMISSION_ACTIONS as readonly string[]).includes(action) && (match[3] === '*' || !GLOBAL_ACTIONS.includes(action));
}

/** Whether a holder of `granted` (or a superuser) may do `action` on the object `instance`. */
export function permits(
  holder: { readonly isSuperuser: boolean; readonly permissions: readonly string[] },
  action: (typeof PERMISSION_ACTIONS)[number],
  instance: string,
): boolean {
  if (holder.isSuperuser) return true;
  return holder.permissions.includes(`${action}:*`) || holder.permissions.includes(`${action}:${instance.toLowerCase()}`);
}
