/**
 * Whether a right password must be changed before it signs in: the user's change-required flag,
 * or a password older than `passwordMaxAgeDays` (judged on `passwordChangedAt`; unknown never ages).
 */
import type { PasswordUser } from '../types.ts';
import type { PasswordChangeCause } from './results.ts';

/** Why `user` must change the password at `now`, or null when it may sign in with it. */
export function passwordChangeCause(user: PasswordUser, now: Date, maxAgeMs: number | null): PasswordChangeCause | null {
  if (user.passwordChangeRequired === true) return 'required';
  const setAt = user.passwordChangedAt;
  if (maxAgeMs !== null && setAt instanceof Date && now.getTime() - setAt.getTime() >= maxAgeMs) return 'expired';
  return null;
}
