/**
 * The fairness key of a call, from its `CallContext` to the hasher. A hasher gets `HashOptions`
 * only when it says it takes them (`fairnessKeys: true`): a host's `{ verify: bcrypt.compare }`
 * would take a third argument for a callback and throw.
 */
import type { CallContext } from '../events.ts';
import type { HashOptions, Hasher } from '../types.ts';

/**
 * The fairness key of hashing work done by direct service calls that name none in their
 * `CallContext` (jobs, scripts, a host's own code): they share one key, apart from HTTP clients.
 */
export const DIRECT_CALL_FAIRNESS_KEY = 'express-rbac-password:direct';

/** The fairness key of a call: its own, or the one direct calls share. */
export function fairnessKeyOf(context: CallContext): string {
  return typeof context?.fairnessKey === 'string' ? context.fairnessKey : DIRECT_CALL_FAIRNESS_KEY;
}

/** The hasher options of a call: its fairness key, or the one direct calls share. */
export function hashOptionsOf(context: CallContext): HashOptions {
  return { fairnessKey: fairnessKeyOf(context) };
}

export function hashWith(hasher: Hasher, password: string, options: HashOptions): Promise<string> {
  return hasher.fairnessKeys === true ? hasher.hash(password, options) : hasher.hash(password);
}

export function verifyWith(hasher: Hasher, password: string, hash: string, options: HashOptions): Promise<boolean> {
  return hasher.fairnessKeys === true ? hasher.verify(password, hash, options) : hasher.verify(password, hash);
}
