/**
 * The pools' internal hook for refusing work before doing it: "would a job of this key be refused
 * right now?", answered from the queue's bounds without submitting anything. `verifyLogin` asks it
 * before the user lookup, so a flooding client's refused sign-ins (429) cost one map lookup rather
 * than a lookup, a normalization and a submit each, and known and unknown logins are refused alike.
 * Not part of the package's API; a host's own hasher has no such hook, and is asked nothing.
 */
import type { WorkerJobKind } from './worker-source.ts';

export const EARLY_REFUSAL = Symbol.for('express-rbac-password.earlyRefusal');

/** A hasher that can tell a refusal before the job (the library's worker pool). */
export interface EarlyRefusing {
  /**
   * The error a job of `kind` for `fairnessKey` would be refused with now (`HasherKeyBusyError`,
   * `HasherBusyError`), counted and watched as that refusal; null when it would be taken.
   */
  [EARLY_REFUSAL](kind: WorkerJobKind, fairnessKey: string): Error | null;
}

/** The hook of `hasher`, or undefined when it has none. */
export function earlyRefusalOf(hasher: unknown): EarlyRefusing[typeof EARLY_REFUSAL] | undefined {
  const hook = (hasher as Partial<EarlyRefusing> | null)?.[EARLY_REFUSAL];
  return typeof hook === 'function' ? hook.bind(hasher) : undefined;
}
