/**
 * Legacy verifiers: each one recognizes its own hash strings and checks a password against
 * them. They never make hashes (the primary hasher does), and all their work runs in the
 * hashing pool through `VerifierTools`, whose caps refuse absurd parameters before any work.
 */
import { timingSafeEqual } from 'node:crypto';
import { HashRefusedError } from '../../errors.ts';
import type { HashOptions } from '../../types.ts';
import type { WorkerJobKind, WorkerJobPayloads, WorkerJobResults } from '../worker-source.ts';

/** Runs a job of the hashing pool's worker program. */
export type PoolRunner = <K extends WorkerJobKind>(kind: K, payload: WorkerJobPayloads[K], options?: HashOptions) => Promise<WorkerJobResults[K]>;

export { HashRefusedError };

/** The caps a verifier's tools enforce before any work. Every field is optional; see `DEFAULT_LEGACY_LIMITS`. */
export interface LegacyHashLimits {
  /** PBKDF2 and iterated-digest iterations. */
  readonly maxIterations?: number;
  /** Memory one check may use: scrypt's 128·N·r bytes, argon2's m KiB × 1024. */
  readonly maxMemoryBytes?: number;
  /** scrypt's and argon2's p. */
  readonly maxParallelism?: number;
  /** argon2's t (passes over memory). */
  readonly maxTimeCost?: number;
}

/**
 * The default caps: a few times the work of today's recommended parameters (OWASP: PBKDF2-SHA256
 * 600,000, PBKDF2-SHA512 210,000, scrypt N=2^17 r=8 p=1 (128 MiB), argon2id m=19 MiB t=2 p=1;
 * Django 5.2: PBKDF2-SHA256 1,000,000), so real legacy hashes pass and an absurd imported one
 * cannot hold a worker for minutes.
 */
export const DEFAULT_LEGACY_LIMITS: Required<LegacyHashLimits> = Object.freeze({
  maxIterations: 2_000_000,
  maxMemoryBytes: 256 * 1024 * 1024,
  maxParallelism: 16,
  maxTimeCost: 10,
});

/** The longest hash string any verifier looks at; longer ones are never parsed. */
export const MAX_HASH_LENGTH = 1024;

/** The pool job's input, with `order` optional (salt first by default). */
/** The input of `VerifierTools.iteratedDigest`: the pool job's payload, with `order` optional. */
export type IteratedDigestInput = Omit<WorkerJobPayloads['iterated-digest'], 'order'> & { readonly order?: WorkerJobPayloads['iterated-digest']['order'] };

/** Key-derivation helpers a verifier's `verify` gets. Each runs in the hashing pool, never on the main thread. */
export interface VerifierTools {
  /** PBKDF2-HMAC with `digest`. Refused above `maxIterations`. */
  pbkdf2(input: WorkerJobPayloads['pbkdf2']): Promise<Buffer>;
  /** scrypt with N = 2^logN. Refused above `maxMemoryBytes` (128·N·r) or `maxParallelism`. */
  scrypt(input: WorkerJobPayloads['scrypt']): Promise<Buffer>;
  /**
   * `iterations` digests in all: H(salt || password) (or H(password || salt)), then H of the
   * previous digest (the loop of Apache Shiro's SimpleHash). Refused above `maxIterations`.
   */
  iteratedDigest(input: IteratedDigestInput): Promise<Buffer>;
  /** Constant-time comparison; false when the lengths differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** Throws `HashRefusedError(reason)` unless `condition` holds: for a verifier's own checks before work. */
  require(condition: boolean, reason: string): asserts condition;
}

/** A verifier the chain can use. Make one with `verifier(…)` or a built-in factory. */
export interface PasswordVerifier {
  /** A short name for logs and option errors, e.g. `pbkdf2`. */
  readonly name: string;
  /** The scheme of `hash` (e.g. `pbkdf2-sha256`) when this verifier handles it, else null. Must be cheap and must not throw. */
  scheme(hash: string): string | null;
  /** Whether `password` matches `hash`. Runs only for hashes `scheme` named. May throw `HashRefusedError`. */
  verify(password: string, hash: string, run: PoolRunner): Promise<boolean>;
}

/** What a host writes to add its own format. */
export interface VerifierDefinition {
  /** The scheme name, reported in events and logs (e.g. `pe-sha256`). */
  readonly scheme: string;
  /** Whether a stored hash is in this format. Must be cheap and must not throw. */
  readonly recognizes: (hash: string) => boolean;
  /** Whether `password` matches `hash`. Use `tools` for the work, so it runs in the pool under the caps. */
  readonly verify: (password: string, hash: string, tools: VerifierTools) => Promise<boolean>;
  /** Caps for this verifier's tools. Default `DEFAULT_LEGACY_LIMITS`. */
  readonly limits?: LegacyHashLimits;
}

/**
 * Makes a legacy verifier from a definition. Throws a TypeError at once for a definition that
 * could never work (so a typo fails at startup, not on the first sign-in).
 */
export function verifier(definition: VerifierDefinition): PasswordVerifier {
  if (definition === null || typeof definition !== 'object') throw new TypeError('verifier(definition) needs an object with scheme, recognizes and verify');
  const { scheme, recognizes, verify } = definition;
  if (typeof scheme !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(scheme)) {
    throw new TypeError('verifier: scheme must be a short name of letters, digits, ".", "_" or "-" (e.g. "pe-sha256")');
  }
  if (typeof recognizes !== 'function') throw new TypeError(`verifier ${scheme}: recognizes must be a function (hash) => boolean`);
  if (typeof verify !== 'function') throw new TypeError(`verifier ${scheme}: verify must be a function (password, hash, tools) => Promise<boolean>`);
  const limits = resolveLimits(scheme, definition.limits);
  return {
    name: scheme,
    scheme(hash: string): string | null {
      if (typeof hash !== 'string' || hash.length > MAX_HASH_LENGTH) return null;
      try {
        return recognizes(hash) === true ? scheme : null;
      } catch {
        return null;
      }
    },
    async verify(password: string, hash: string, run: PoolRunner): Promise<boolean> {
      return (await verify(password, hash, createTools(run, limits))) === true;
    },
  };
}

function resolveLimits(scheme: string, limits: LegacyHashLimits | undefined): Required<LegacyHashLimits> {
  const resolved = { ...DEFAULT_LEGACY_LIMITS, ...(limits ?? {}) };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new TypeError(`verifier ${scheme}: limits.${key} must be a positive integer (got ${String(value)})`);
    }
  }
  return resolved;
}

/** The tools bound to one verifier's caps. */
export function createTools(run: PoolRunner, limits: Required<LegacyHashLimits>): VerifierTools {
  const require: VerifierTools['require'] = (condition, reason) => {
    if (!condition) throw new HashRefusedError(reason);
  };
  const keyLength = (length: number) => require(Number.isInteger(length) && length >= 16 && length <= 1024, 'derived key length outside 16..1024 bytes');
  return {
    require,
    equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
    async pbkdf2(input) {
      require(Number.isInteger(input.iterations) && input.iterations >= 1, 'iterations is not a positive integer');
      require(input.iterations <= limits.maxIterations, `iterations ${input.iterations} above the cap of ${limits.maxIterations}`);
      keyLength(input.keyLength);
      return Buffer.from(await run('pbkdf2', { ...input, salt: Uint8Array.from(input.salt) }));
    },
    async scrypt(input) {
      const { logN, r, p } = input;
      require(Number.isInteger(logN) && logN >= 1 && logN <= 31, 'scrypt ln outside 1..31');
      require(Number.isInteger(r) && r >= 1 && Number.isInteger(p) && p >= 1, 'scrypt r and p must be positive integers');
      const memory = 128 * 2 ** logN * r;
      require(memory <= limits.maxMemoryBytes, `scrypt memory ${memory} bytes above the cap of ${limits.maxMemoryBytes}`);
      require(p <= limits.maxParallelism, `scrypt p ${p} above the cap of ${limits.maxParallelism}`);
      keyLength(input.keyLength);
      return Buffer.from(await run('scrypt', { ...input, salt: Uint8Array.from(input.salt) }));
    },
    async iteratedDigest(input) {
      require(Number.isInteger(input.iterations) && input.iterations >= 1, 'iterations is not a positive integer');
      require(input.iterations <= limits.maxIterations, `iterations ${input.iterations} above the cap of ${limits.maxIterations}`);
      require(input.algorithm === 'sha256' || input.algorithm === 'sha512', 'iteratedDigest algorithm must be sha256 or sha512');
      const payload = { ...input, salt: Uint8Array.from(input.salt), order: input.order ?? 'salt-first' } as const;
      return Buffer.from(await run('iterated-digest', payload));
    },
  };
}
