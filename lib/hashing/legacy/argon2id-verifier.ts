/**
 * argon2id in the PHC format (`$argon2id$v=19$m=65536,t=2,p=1$salt$hash`), through the optional
 * peer dependency `@node-rs/argon2` (prebuilt binaries, no install script). It is resolved only
 * when a host configures this verifier, and checked in the hashing pool like every other scheme.
 */
import { createRequire } from 'node:module';
import { integerParam, parsePhc } from './encoding.ts';
import { positive } from './pbkdf2-verifier.ts';
import { createTools, DEFAULT_LEGACY_LIMITS, HashRefusedError, MAX_HASH_LENGTH, type PasswordVerifier, type VerifierTools } from './verifier.ts';

/** The package argon2id verification needs. */
export const ARGON2_PACKAGE = '@node-rs/argon2';

/** Options of `argon2idVerifier`. */
export interface Argon2idVerifierOptions {
  /** Memory (m KiB × 1024) above this is refused before any work. Default 256 MiB. */
  readonly maxMemoryBytes?: number;
  /** t above this is refused before any work. Default 10. */
  readonly maxTimeCost?: number;
  /** p above this is refused before any work. Default 16. */
  readonly maxParallelism?: number;
  /** Where to resolve `@node-rs/argon2` from. Default: this package, then the working directory. For tests and unusual layouts. */
  readonly resolveFrom?: string;
}

/**
 * A verifier for argon2id hashes. Throws a TypeError at construction, naming the package to
 * install, when `@node-rs/argon2` cannot be resolved.
 */
export function argon2idVerifier(options: Argon2idVerifierOptions = {}): PasswordVerifier {
  const modulePath = resolveArgon2(options.resolveFrom);
  const limits = {
    ...DEFAULT_LEGACY_LIMITS,
    maxMemoryBytes: positive('maxMemoryBytes', options.maxMemoryBytes, DEFAULT_LEGACY_LIMITS.maxMemoryBytes),
    maxTimeCost: positive('maxTimeCost', options.maxTimeCost, DEFAULT_LEGACY_LIMITS.maxTimeCost),
    maxParallelism: positive('maxParallelism', options.maxParallelism, DEFAULT_LEGACY_LIMITS.maxParallelism),
  };
  return {
    name: 'argon2id',
    scheme: (hash) => (typeof hash === 'string' && hash.startsWith('$argon2id$') ? 'argon2id' : null),
    async verify(password, hash, run) {
      const phc = hash.length <= MAX_HASH_LENGTH ? parsePhc(hash) : null;
      const m = integerParam(phc?.params.get('m'), 8, 2 ** 32 - 1);
      const t = integerParam(phc?.params.get('t'), 1, 2 ** 32 - 1);
      const p = integerParam(phc?.params.get('p'), 1, 2 ** 24 - 1);
      if (phc === null || (phc.version !== null && phc.version !== 19 && phc.version !== 16) || m === null || t === null || p === null || phc.rest.length !== 2) {
        throw new HashRefusedError('malformed argon2id hash');
      }
      const tools: VerifierTools = createTools(run, limits);
      tools.require(m * 1024 <= limits.maxMemoryBytes, `argon2id memory ${m} KiB above the cap of ${limits.maxMemoryBytes / 1024} KiB`);
      tools.require(t <= limits.maxTimeCost, `argon2id t ${t} above the cap of ${limits.maxTimeCost}`);
      tools.require(p <= limits.maxParallelism, `argon2id p ${p} above the cap of ${limits.maxParallelism}`);
      return run('argon2-verify', { modulePath, password, hash });
    },
  };
}

function resolveArgon2(from: string | undefined): string {
  const found = findArgon2(from);
  if (found !== null) return found;
  throw new TypeError(
    `express-rbac-password: verifying argon2id hashes needs the optional package ${ARGON2_PACKAGE}; install it with \`npm install ${ARGON2_PACKAGE}\`, or leave 'argon2id' out of legacyHashes.`,
  );
}

/** Where `@node-rs/argon2` resolves from `from` (default: this package, then the working directory), or null when it is not installed. */
export function findArgon2(from?: string): string | null {
  const bases = from === undefined ? [import.meta.url, `${process.cwd()}/`] : [from];
  for (const base of bases) {
    try {
      return createRequire(base).resolve(ARGON2_PACKAGE);
    } catch {
      // Try the next place; the caller says what to install.
    }
  }
  return null;
}
