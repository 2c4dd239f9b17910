/** Placeholder until the hashing module lands: in-thread bcryptjs. */
import bcrypt from 'bcryptjs';
import type { Hasher } from '../types.ts';

export function createBcryptHasher(options: { cost?: number } = {}): Hasher {
  const cost = options.cost ?? 12;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new TypeError('express-rbac-password: bcrypt cost must be an integer from 4 to 31 (10 or more in production).');
  return {
    maxPasswordBytes: 72,
    hash: (password) => bcrypt.hash(password, cost),
    verify: async (password, hash) => {
      try {
        return await bcrypt.compare(password, hash);
      } catch {
        return false;
      }
    },
  };
}
