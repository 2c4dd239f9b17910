/**
 * The one place that imports `debug`. Namespaces start with `express-rbac-password:`.
 * Callers pass ids and outcomes only: never a password, token, hash or key.
 */
import createDebug from 'debug';

export interface Logger {
  (format: string, ...args: unknown[]): void;
  /** Whether the namespace is on: a hot path checks it before computing its arguments. */
  readonly enabled: boolean;
}

/** A debug logger under `express-rbac-password:<area>`; enable it with `DEBUG=express-rbac-password:*`. */
export function createLogger(area: string): Logger {
  return createDebug(`express-rbac-password:${area}`);
}
