/** Turns the `legacyHashes` option into verifiers, with errors that say how to fix it. */
import { argon2idVerifier, findArgon2 } from './argon2id-verifier.ts';
import { bcryptVerifier } from './bcrypt-verifier.ts';
import { pbkdf2Verifier } from './pbkdf2-verifier.ts';
import { scryptVerifier } from './scrypt-verifier.ts';
import type { PasswordVerifier } from './verifier.ts';

/** The built-in schemes `legacyHashes` accepts by name, each at its default caps. */
export const LEGACY_SCHEMES = ['bcrypt', 'pbkdf2', 'scrypt', 'argon2id'] as const;

/** A built-in scheme's name. */
export type LegacyScheme = (typeof LEGACY_SCHEMES)[number];

/** The `legacyHashes` option: built-in names and verifiers, checked in this order. */
export type LegacyHashesOption = readonly (LegacyScheme | PasswordVerifier)[];

const FACTORIES: Record<LegacyScheme, () => PasswordVerifier> = {
  bcrypt: () => bcryptVerifier(),
  pbkdf2: () => pbkdf2Verifier(),
  scrypt: () => scryptVerifier(),
  argon2id: () => argon2idVerifier(),
};

/**
 * The verifiers for `legacyHashes`. An entry naming the primary's own scheme (`bcrypt` or
 * `argon2id`) is dropped, since the primary already checks those hashes. Throws a plain Error
 * whose message the caller wraps in an option error.
 */
export function resolveLegacyVerifiers(value: unknown, primaryScheme: LegacyScheme | null): PasswordVerifier[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`must be an array of scheme names (${LEGACY_SCHEMES.join(', ')}) or verifier(...) objects.`);
  const verifiers: PasswordVerifier[] = [];
  const names = new Set<string>();
  for (const entry of value as unknown[]) {
    let verifier: PasswordVerifier;
    if (typeof entry === 'string') {
      if (!(LEGACY_SCHEMES as readonly string[]).includes(entry))
        throw new Error(`has an unknown scheme ${JSON.stringify(entry)}; the built-in ones are ${LEGACY_SCHEMES.join(', ')}.`);
      if (entry === primaryScheme) continue;
      verifier = FACTORIES[entry as LegacyScheme]();
    } else if (isVerifier(entry)) {
      verifier = entry;
    } else {
      throw new Error('entries must be scheme names or objects made by verifier(...) (with name, scheme() and verify()).');
    }
    if (names.has(verifier.name)) throw new Error(`lists ${verifier.name} twice.`);
    names.add(verifier.name);
    verifiers.push(verifier);
  }
  return verifiers;
}

function isVerifier(value: unknown): value is PasswordVerifier {
  const candidate = value as PasswordVerifier | null;
  return (
    typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && typeof candidate.scheme === 'function' && typeof candidate.verify === 'function'
  );
}

/**
 * What the library's own primaries verify without being told, after `legacyHashes`, so a host
 * can switch between them both ways: under an argon2id primary, bcrypt (the stored hashes from
 * before the switch, capped by `maxBcryptCost` in the chain); under a bcrypt primary, argon2id
 * whenever `@node-rs/argon2` is installed (hashes written while argon2id was selected).
 */
export function impliedVerifiers(primaryScheme: LegacyScheme | null, listed: readonly PasswordVerifier[], maxBcryptCost: number): PasswordVerifier[] {
  const has = (name: string) => listed.some((verifier) => verifier.name === name);
  if (primaryScheme === 'argon2id' && !has('bcrypt')) return [bcryptVerifier({ maxCost: maxBcryptCost })];
  if (primaryScheme === 'bcrypt' && !has('argon2id') && findArgon2() !== null) return [argon2idVerifier()];
  return [];
}
