/**
 * Password-reset tokens: JWTs whose `purpose` claim marks them as reset tokens, so no other
 * JWT of the host is accepted here, and whose algorithm is pinned per key.
 */
import { createHash, randomFillSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { ResolvedTokenKey } from './token-keys.ts';

/** The value of the `purpose` claim of every reset token. */
export const RESET_TOKEN_PURPOSE = 'password-reset';

/** The claims of a verified reset token. */
export interface ResetTokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** Why a token was refused; callers map every reason to 403 `invalid-token`. */
export type TokenRejection = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'not-a-reset-token';

export type VerifyResult = { readonly ok: true; readonly claims: ResetTokenClaims } | { readonly ok: false; readonly reason: TokenRejection };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JTI = /^[A-Za-z0-9_-]{22,128}$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const TOKEN_ID_BYTES = 32;
// CSPRNG bytes fetched 4 KiB at a time: one randomBytes call per id costs more than the rest of
// making it. Every byte is used once.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/** A random token id: 256 bits from the CSPRNG, base64url. */
export function newTokenId(): string {
  if (randomOffset + TOKEN_ID_BYTES > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const id = randomPool.toString('base64url', randomOffset, randomOffset + TOKEN_ID_BYTES);
  randomOffset += TOKEN_ID_BYTES;
  return id;
}

/**
 * Binds a token to the password hash the user had when it was issued: any later password change,
 * by any route, makes the stamps differ. A one-way digest salted with the token id, never the hash.
 */
export function passwordStamp(tokenId: string, passwordHash: string | null): string {
  return createHash('sha256')
    .update(tokenId)
    .update('\0')
    .update(passwordHash ?? '')
    .digest('base64url')
    .slice(0, 32);
}

/** Signs and verifies reset tokens with the configured keys. */
export class ResetTokenCodec {
  readonly #keys: readonly ResolvedTokenKey[];
  readonly #issuer: string;
  readonly #clockToleranceSeconds: number;

  constructor(keys: readonly ResolvedTokenKey[], issuer: string, clockToleranceSeconds: number) {
    this.#keys = keys;
    this.#issuer = issuer;
    this.#clockToleranceSeconds = clockToleranceSeconds;
  }

  /** Signs a token for `userId` with the current key. */
  sign(userId: string, tokenId: string, issuedAt: Date, expiresAt: Date): string {
    const key = this.#keys[0];
    if (key?.signingKey == null) throw new Error('no signing key');
    const payload = {
      sub: userId,
      jti: tokenId,
      purpose: RESET_TOKEN_PURPOSE,
      iat: Math.floor(issuedAt.getTime() / 1000),
      exp: Math.floor(expiresAt.getTime() / 1000),
    };
    return jwt.sign(payload, key.signingKey, {
      algorithm: key.algorithm,
      issuer: this.#issuer,
      ...(key.kid === undefined ? {} : { keyid: key.kid }),
    });
  }

  /** Checks shape, key, signature, issuer, expiry at `now` and claims. Never throws. */
  verify(token: string, now: Date): VerifyResult {
    if (token.length > 4096 || !JWT_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
    let header: { kid?: unknown } | undefined;
    try {
      header = jwt.decode(token, { complete: true })?.header as { kid?: unknown } | undefined;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (header === undefined) return { ok: false, reason: 'malformed' };
    const key = this.#pickKey(header.kid);
    if (key === undefined) return { ok: false, reason: 'unknown-key' };
    let payload: unknown;
    try {
      payload = jwt.verify(token, key.verificationKey, {
        algorithms: [key.algorithm],
        issuer: this.#issuer,
        clockTimestamp: Math.floor(now.getTime() / 1000),
        clockTolerance: this.#clockToleranceSeconds,
      });
    } catch (error) {
      return { ok: false, reason: (error as Error).name === 'TokenExpiredError' ? 'expired' : 'bad-signature' };
    }
    return checkClaims(payload);
  }

  #pickKey(kid: unknown): ResolvedTokenKey | undefined {
    if (this.#keys.length === 1) {
      const only = this.#keys[0];
      // A lone key without a kid accepts tokens without one; otherwise the kid must match exactly.
      return only !== undefined && (kid === undefined || kid === only.kid) ? only : undefined;
    }
    return typeof kid === 'string' ? this.#keys.find((k) => k.kid === kid) : undefined;
  }
}

function checkClaims(payload: unknown): VerifyResult {
  if (payload === null || typeof payload !== 'object') return { ok: false, reason: 'not-a-reset-token' };
  const claims = payload as Record<string, unknown>;
  const { sub, jti, iat, exp, purpose } = claims;
  if (purpose !== RESET_TOKEN_PURPOSE) return { ok: false, reason: 'not-a-reset-token' };
  if (typeof sub !== 'string' || !UUID.test(sub)) return { ok: false, reason: 'not-a-reset-token' };
  if (typeof jti !== 'string' || !JTI.test(jti)) return { ok: false, reason: 'not-a-reset-token' };
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(exp) || exp <= iat) {
    return { ok: false, reason: 'not-a-reset-token' };
  }
  return { ok: true, claims: { sub: sub.toLowerCase(), jti, iat, exp } };
}
