/**
 * PBKDF2-SHA256 and -SHA512 in the PHC format (`$pbkdf2-sha256$i=600000$salt$hash`, and
 * passlib's `$pbkdf2-sha256$29000$salt$hash` with its "ab64" base64), and Django's
 * `pbkdf2_sha256$iterations$salt$hash` (salt as written, hash in padded base64).
 */
import { decodeBase64, integerParam, parsePhc } from './encoding.ts';
import { createTools, DEFAULT_LEGACY_LIMITS, HashRefusedError, MAX_HASH_LENGTH, type LegacyHashLimits, type PasswordVerifier } from './verifier.ts';

/** Options of `pbkdf2Verifier`. */
export interface Pbkdf2VerifierOptions {
  /** Iterations above this are refused before any work. Default 2,000,000. */
  readonly maxIterations?: number;
}

interface Pbkdf2Hash {
  readonly scheme: 'pbkdf2-sha256' | 'pbkdf2-sha512' | 'django-pbkdf2-sha256';
  readonly digest: 'sha256' | 'sha512';
  readonly iterations: number;
  readonly salt: Buffer;
  readonly expected: Buffer;
}

const DJANGO = /^pbkdf2_sha256\$(\d{1,10})\$([^$]{1,256})\$([A-Za-z0-9+/]+={0,2})$/;

/** Parses any of the three layouts, or null. */
function parsePbkdf2(hash: string): Pbkdf2Hash | null {
  if (hash.length > MAX_HASH_LENGTH) return null;
  const django = DJANGO.exec(hash);
  if (django !== null) {
    const expected = decodeBase64(django[3] as string);
    const iterations = integerParam(django[1], 1, Number.MAX_SAFE_INTEGER);
    if (expected === null || iterations === null) return null;
    return { scheme: 'django-pbkdf2-sha256', digest: 'sha256', iterations, salt: Buffer.from(django[2] as string, 'utf8'), expected };
  }
  const phc = parsePhc(hash);
  if (phc === null || (phc.id !== 'pbkdf2-sha256' && phc.id !== 'pbkdf2-sha512') || phc.rest.length !== 2) return null;
  const iterations = integerParam(phc.params.get('i') ?? phc.params.get('rounds'), 1, Number.MAX_SAFE_INTEGER);
  const salt = decodeBase64(phc.rest[0] as string);
  const expected = decodeBase64(phc.rest[1] as string);
  if (iterations === null || salt === null || expected === null) return null;
  const length = phc.params.get('l');
  if (length !== undefined && integerParam(length, 1, 1024) !== expected.length) return null;
  return { scheme: phc.id, digest: phc.id === 'pbkdf2-sha256' ? 'sha256' : 'sha512', iterations, salt, expected };
}

/** A verifier for PBKDF2 hashes (PHC, passlib and Django layouts). */
export function pbkdf2Verifier(options: Pbkdf2VerifierOptions = {}): PasswordVerifier {
  const limits: Required<LegacyHashLimits> = { ...DEFAULT_LEGACY_LIMITS, maxIterations: positive('maxIterations', options.maxIterations, DEFAULT_LEGACY_LIMITS.maxIterations) };
  return {
    name: 'pbkdf2',
    scheme(hash) {
      if (typeof hash !== 'string') return null;
      if (hash.startsWith('pbkdf2_sha256$')) return 'django-pbkdf2-sha256';
      if (hash.startsWith('$pbkdf2-sha256$')) return 'pbkdf2-sha256';
      if (hash.startsWith('$pbkdf2-sha512$')) return 'pbkdf2-sha512';
      return null;
    },
    async verify(password, hash, run) {
      const parsed = parsePbkdf2(hash);
      if (parsed === null) throw new HashRefusedError('malformed PBKDF2 hash');
      const tools = createTools(run, limits);
      const derived = await tools.pbkdf2({ password, salt: parsed.salt, iterations: parsed.iterations, keyLength: parsed.expected.length, digest: parsed.digest });
      return tools.equal(derived, parsed.expected);
    },
  };
}

/** A positive-integer option of a verifier factory, or a TypeError naming it. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer (got ${String(value)})`);
  return value;
}
