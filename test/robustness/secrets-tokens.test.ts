/**
 * Replay and confusion at the library level: JWTs of the same key without the reset purpose,
 * tokens of other instances (another key, the same key with another store or issuer), and the
 * clock skew tolerance (default 0) at the `exp` boundary, with and without the store's own expiry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { MemoryTokenStore, RESET_TOKEN_PURPOSE, type PasswordRouterOptions, type ResetTokenRecord, type TokenStore } from '../../lib/index.ts';
import { createTestApp, OTHER_GOOD_PASSWORD, SECRET, siblingApp, snapshot, type TestApp, type TestPrincipal } from '../helpers/app.ts';
import { rsaKeyPair } from '../helpers/test-keys.ts';

const base = '/rbac-api/v1';
const HOUR = 3600_000;

async function issue(t: TestApp): Promise<string> {
  return (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

const validate = (app: express.Express | TestApp['app'], token: string) =>
  request(app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: token });
const redeem = (app: express.Express | TestApp['app'], token: string) => request(app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD });

/** Both routes refuse the token with 403 invalid-token and change nothing. */
async function refused(t: TestApp, app: express.Express | TestApp['app'], token: string, why: string): Promise<void> {
  const before = snapshot(t);
  for (const res of [await validate(app, token), await redeem(app, token)]) {
    assert.equal(res.status, 403, `${why}: ${res.status} ${res.text}`);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token', why);
  }
  assert.equal(snapshot(t), before, why);
}

/** A token store that ignores expiry, to isolate the JWT's own `exp` check. */
function laxStore(inner = new MemoryTokenStore({ sweepIntervalMs: 0 })): TokenStore {
  const never = new Date(0);
  return {
    issue: (record: ResetTokenRecord) => inner.issue(record),
    find: (id: string) => inner.find(id, never),
    redeem: (id: string, _now: Date, apply: (record: ResetTokenRecord) => Promise<void>) => inner.redeem(id, never, apply),
    revokeForUser: (userId: string) => inner.revokeForUser(userId),
  };
}

describe('replay and confusion', () => {
  it('a JWT signed with the same key but without the reset purpose is refused, and the real token still works', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const claims = jwt.decode(token) as jwt.JwtPayload;
    const { purpose: _purpose, ...withoutPurpose } = claims;
    const now = Math.floor(t.now().getTime() / 1000);
    const sameKey = (payload: object) => jwt.sign(payload, SECRET, { algorithm: 'HS256' });
    const confusions: Array<[string, string]> = [
      ['the same claims without purpose', sameKey(withoutPurpose)],
      ['purpose "login"', sameKey({ ...claims, purpose: 'login' })],
      ['purpose "access"', sameKey({ ...claims, purpose: 'access' })],
      ['purpose in another case', sameKey({ ...claims, purpose: RESET_TOKEN_PURPOSE.toUpperCase() })],
      ['purpose as an array', sameKey({ ...claims, purpose: [RESET_TOKEN_PURPOSE] })],
      ['a host auth token (sub, iat, exp)', sameKey({ sub: t.alice.id, iat: now, exp: now + 3600 })],
      ['a host auth token with a jti and our issuer', sameKey({ sub: t.alice.id, jti: claims.jti, iss: claims.iss, iat: now, exp: now + 3600 })],
      ['a host session token with roles', sameKey({ ...withoutPurpose, roles: ['admin'], typ: 'auth' })],
    ];
    for (const [why, forged] of confusions) await refused(t, t.app, forged, why);
    await validate(t.app, token).expect(200);
    await redeem(t.app, token).expect(200);
  });

  it('a token issued by another instance with a different key is refused (HS256 and RS256)', async () => {
    const rsa = (index: number) => ({ privateKey: rsaKeyPair(index).privateKey });
    for (const [label, mine, theirs] of [
      ['HS256', SECRET, 'another-instance-secret-of-32-bytes!!'],
      ['RS256', rsa(0), rsa(1)],
    ] as const) {
      const a = await createTestApp({ tokenKey: mine });
      const b = await createTestApp({ tokenKey: theirs });
      const fromB = await issue(b);
      // Even for a user id that exists in A (the same id is copied over).
      a.users.createUser({ id: b.alice.id, login: 'alice-copy' });
      await refused(a, a.app, fromB, `${label}: token of another instance`);
      await validate(b.app, fromB).expect(200);
    }
  });

  it('the same key but another store or another issuer does not accept our tokens either', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    await refused(t, siblingApp(t, { tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }) }), token, 'another instance with the same key and its own store');
    await refused(t, siblingApp(t, { tokenIssuer: 'another-service' }), token, 'the same key and store but another tokenIssuer');
    await validate(t.app, token).expect(200);
  });
});

describe('clock skew tolerance', () => {
  const lax = (overrides: Partial<PasswordRouterOptions<TestPrincipal>> = {}) => createTestApp({ passwordResetExpiration: 1, tokenStore: laxStore(), ...overrides });

  it('defaults to 0: a token is valid 1 s before exp and refused at exp (the JWT check alone)', async () => {
    const t = await lax();
    const token = await issue(t);
    const { exp, iat } = jwt.decode(token) as { exp: number; iat: number };
    assert.equal(exp - iat, 3600);
    assert.equal(t.now().getTime() / 1000, iat);
    t.advance(HOUR - 1000);
    await validate(t.app, token).expect(200);
    t.advance(1000);
    const res = await validate(t.app, token).expect(403);
    assert.match(res.body.msg, /expired/);
    await refused(t, t.app, token, 'at exp with tolerance 0');
  });

  it('with clockToleranceSeconds N, the JWT check passes up to N s after exp, and not at exp + N', async () => {
    const t = await lax({ clockToleranceSeconds: 30 });
    const token = await issue(t);
    t.advance(HOUR + 29_000);
    await validate(t.app, token).expect(200);
    t.advance(1000);
    const res = await validate(t.app, token).expect(403);
    assert.match(res.body.msg, /expired/);
  });

  it("the store's own expiresAt still applies inside the tolerance (as the README documents)", async () => {
    const t = await createTestApp({ passwordResetExpiration: 1, clockToleranceSeconds: 30 });
    const token = await issue(t);
    t.advance(HOUR - 1000);
    await validate(t.app, token).expect(200);
    t.advance(1000);
    await refused(t, t.app, token, 'at exp: the memory store refuses it');
    t.advance(20_000);
    await refused(t, t.app, token, 'inside the JWT tolerance: the memory store still refuses it');
  });

  it('the tolerance is checked at construction: 0..300 seconds', async () => {
    for (const bad of [-1, 301, Number.NaN, '5' as unknown as number]) {
      await assert.rejects(createTestApp({ clockToleranceSeconds: bad }), /clockToleranceSeconds/);
    }
    await createTestApp({ clockToleranceSeconds: 0 });
    await createTestApp({ clockToleranceSeconds: 300 });
  });
});
