import assert from 'node:assert/strict';
import { createSecretKey, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { ResetTokenCodec, newTokenId } from '../lib/tokens/reset-token.ts';
import { resolveTokenKeys, type TokenKeyInput } from '../lib/tokens/token-keys.ts';

const SECRET = 'a-reset-token-secret-of-at-least-32-bytes';

test('HMAC reset tokens are byte for byte what jsonwebtoken signs, and verify', () => {
  const issuedAt = new Date('2026-11-27T10:00:00Z');
  const expiresAt = new Date('2026-11-28T10:00:00Z');
  const cases: { input: TokenKeyInput; algorithm: 'HS256' | 'HS384' | 'HS512'; kid?: string }[] = [
    { input: SECRET, algorithm: 'HS256' },
    { input: { kid: 'k-2026', secret: SECRET }, algorithm: 'HS256', kid: 'k-2026' },
    { input: { kid: 'k384', algorithm: 'HS384', secret: Buffer.from(SECRET) }, algorithm: 'HS384', kid: 'k384' },
    { input: { algorithm: 'HS512', secret: createSecretKey(Buffer.from(SECRET)) }, algorithm: 'HS512' },
  ];
  for (const { input, algorithm, kid } of cases) {
    const codec = new ResetTokenCodec(resolveTokenKeys(input), 'issuer-"x"', 0);
    const userId = randomUUID();
    const id = newTokenId();
    const token = codec.sign(userId, id, issuedAt, expiresAt);
    const expected = jwt.sign(
      { sub: userId, jti: id, purpose: 'password-reset', iat: issuedAt.getTime() / 1000, exp: expiresAt.getTime() / 1000 },
      createSecretKey(Buffer.from(SECRET)),
      { algorithm, issuer: 'issuer-"x"', ...(kid === undefined ? {} : { keyid: kid }) },
    );
    assert.equal(token, expected, algorithm);
    const verified = codec.verify(token, new Date('2026-11-27T12:00:00Z'));
    assert.deepEqual(verified, { ok: true, claims: { sub: userId, jti: id, iat: issuedAt.getTime() / 1000, exp: expiresAt.getTime() / 1000 } });
  }
});
