/** scrypt in the PHC format as passlib writes it: `$scrypt$ln=16,r=8,p=1$salt$hash` (N = 2^ln). */
import { decodeBase64, integerParam, parsePhc } from './encoding.ts';
import { positive } from './pbkdf2-verifier.ts';
import { createTools, DEFAULT_LEGACY_LIMITS, HashRefusedError, MAX_HASH_LENGTH, type PasswordVerifier } from './verifier.ts';

/** Options of `scryptVerifier`. */
export interface ScryptVerifierOptions {
  /** Memory (128·N·r bytes) above this is refused before any work. Default 256 MiB. */
  readonly maxMemoryBytes?: number;
  /** p above this is refused before any work. Default 16. */
  readonly maxParallelism?: number;
}

/** A verifier for PHC scrypt hashes. */
export function scryptVerifier(options: ScryptVerifierOptions = {}): PasswordVerifier {
  const limits = {
    ...DEFAULT_LEGACY_LIMITS,
    maxMemoryBytes: positive('maxMemoryBytes', options.maxMemoryBytes, DEFAULT_LEGACY_LIMITS.maxMemoryBytes),
    maxParallelism: positive('maxParallelism', options.maxParallelism, DEFAULT_LEGACY_LIMITS.maxParallelism),
  };
  return {
    name: 'scrypt',
    scheme: (hash) => (typeof hash === 'string' && hash.startsWith('$scrypt$') ? 'scrypt' : null),
    async verify(password, hash, run) {
      const phc = hash.length <= MAX_HASH_LENGTH ? parsePhc(hash) : null;
      const logN = integerParam(phc?.params.get('ln'), 1, 63);
      const r = integerParam(phc?.params.get('r'), 1, 2 ** 30);
      const p = integerParam(phc?.params.get('p'), 1, 2 ** 30);
      const salt = phc?.rest.length === 2 ? decodeBase64(phc.rest[0] as string) : null;
      const expected = phc?.rest.length === 2 ? decodeBase64(phc.rest[1] as string) : null;
      if (logN === null || r === null || p === null || salt === null || expected === null) throw new HashRefusedError('malformed scrypt hash');
      const tools = createTools(run, limits);
      const derived = await tools.scrypt({ password, salt, logN, r, p, keyLength: expected.length });
      return tools.equal(derived, expected);
    },
  };
}
