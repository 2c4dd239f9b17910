/** Whether a proposed login is taken, for `validateLogin`'s `login-taken` rule. */
import type { ServiceParts } from './service-parts.ts';

/**
 * Whether a user with exactly this login exists (false when the store has no `findByLogin`).
 * The answer tells which logins exist: ask only for callers allowed to create users.
 */
export async function loginTaken(parts: ServiceParts, login: string): Promise<boolean> {
  const findByLogin = parts.users.findByLogin;
  if (typeof findByLogin !== 'function') return false;
  return (await parts.call('userStore.findByLogin', (o) => findByLogin.call(parts.users, login, o))) != null;
}
