/** Legacy hash verification: the chain, the built-in verifiers and the `verifier(...)` helper. */
export { ARGON2_PACKAGE, argon2idVerifier, type Argon2idVerifierOptions } from './argon2id-verifier.ts';
export { bcryptVerifier, type BcryptVerifierOptions } from './bcrypt-verifier.ts';
export { createHasherChain, type HasherChain, type HasherChainOptions, type VerifyOutcome } from './hasher-chain.ts';
export { pbkdf2Verifier, type Pbkdf2VerifierOptions } from './pbkdf2-verifier.ts';
export { LEGACY_SCHEMES, resolveLegacyVerifiers, type LegacyHashesOption, type LegacyScheme } from './resolve.ts';
export { scryptVerifier, type ScryptVerifierOptions } from './scrypt-verifier.ts';
export {
  DEFAULT_LEGACY_LIMITS,
  HashRefusedError,
  verifier,
  type IteratedDigestInput,
  type LegacyHashLimits,
  type PasswordVerifier,
  type PoolRunner,
  type VerifierDefinition,
  type VerifierTools,
} from './verifier.ts';
