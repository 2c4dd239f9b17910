import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import type express from 'express';
import request from 'supertest';
import type { PasswordRouterOptions } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, lockOut, OTHER_GOOD_PASSWORD, SECRET, siblingApp, snapshot, type TestApp, type TestPrincipal } from '../helpers/app.ts';
import { rsaKeyPair } from '../helpers/test-keys.ts';

const base = '/rbac-api/v1';

async function issue(t: TestApp, userId = t.alice.id): Promise<string> {
  const res = await request(t.app).post(`${base}/users/${userId}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
  return res.text;
}

async function login(t: TestApp, login: string, password: string) {
  return t.router.service.verifyLogin(login, password);
}

describe('POST /auth/reset', () => {
  it('sets the new password with a valid token, and does not log the user in', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.ok(!('token' in res.body));
    assert.equal((await login(t, 'alice', OTHER_GOOD_PASSWORD)).ok, true);
    assert.equal((await login(t, 'alice', GOOD_PASSWORD)).ok, false);
  });

  it('is single use: the second redemption gets 403 invalid-token', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Yet-Another-Pa55word!' }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
    assert.equal((await login(t, 'alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('50 concurrent redemptions of one token give exactly one 200', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const passwords = Array.from({ length: 50 }, (_, i) => `Concurrent-Pa55word-${i}!`);
    const results = await Promise.all(passwords.map((password) => request(t.app).post(`${base}/auth/reset`).send({ token, password })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1);
    assert.equal(statuses.filter((s) => s === 403).length, 49);
    const winner = passwords[statuses.indexOf(200)] ?? '';
    assert.equal((await login(t, 'alice', winner)).ok, true);
  });

  it('expires: refused after passwordResetExpiration, driven by the injected clock', async () => {
    const t = await createTestApp({ passwordResetExpiration: 1 });
    const token = await issue(t);
    t.advance(3600_000 - 1000);
    const stillValid = await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: token }).expect(200);
    assert.equal(stillValid.body.valid, true);
    t.advance(1000);
    const before = snapshot(t);
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
    assert.match(res.body.msg, /expired/);
    assert.equal(snapshot(t), before);
  });

  it('clockToleranceSeconds lets a token live that many seconds past exp, and no more', async () => {
    const t = await createTestApp({ passwordResetExpiration: 1, clockToleranceSeconds: 30 });
    const token = await issue(t);
    t.advance(3600_000 + 20_000);
    // The store's own expiry still applies, so the token is dead even inside the JWT tolerance.
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
  });

  it('a newer token supersedes the older one', async () => {
    const t = await createTestApp();
    const older = await issue(t);
    const newer = await issue(t);
    await request(t.app).post(`${base}/auth/reset`).send({ token: older, password: OTHER_GOOD_PASSWORD }).expect(403);
    await request(t.app).post(`${base}/auth/reset`).send({ token: newer, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('a password change kills outstanding tokens', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Yet-Another-Pa55word!' }).expect(403);
  });

  it('a password changed outside the router (any route) kills outstanding tokens', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const hash = await t.router.service.hashPassword('Changed-Elsewhere-42!');
    t.users.setPassword(t.alice.id, { passwordHash: hash, previousHash: t.alice.passwordHash, historySize: 0, reinstate: false });
    // Re-issue the same record in a fresh store state is impossible; the stamp check refuses it.
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
  });

  it('reinstates a user the lockout revoked and clears the counter', async () => {
    const t = await createTestApp();
    lockOut(t, t.alice.id);
    const token = await issue(t);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    const alice = t.users.findById(t.alice.id);
    assert.equal(alice?.isRevoked, false);
    assert.equal(alice?.failedAttempts, 0);
    assert.equal((await login(t, 'alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('refuses tokens that are truncated, re-signed, unsigned, of another purpose, or of another issuer', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const claims = jwt.decode(token) as jwt.JwtPayload;
    const now = Math.floor(t.now().getTime() / 1000);
    const { privateKey } = rsaKeyPair(0);
    const forged = [
      token.slice(0, -3),
      token.slice(0, token.lastIndexOf('.')),
      jwt.sign(claims, 'another-secret-that-is-32-bytes-long!!', { algorithm: 'HS256' }),
      jwt.sign(claims, privateKey, { algorithm: 'RS256' }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
      jwt.sign({ ...claims, purpose: 'login' }, SECRET, { algorithm: 'HS256' }),
      jwt.sign({ sub: claims.sub, jti: claims.jti, iat: now, exp: now + 60 }, SECRET, { algorithm: 'HS256' }),
      jwt.sign({ ...claims, iss: 'someone-else' }, SECRET, { algorithm: 'HS256' }),
      jwt.sign({ ...claims, jti: 'A'.repeat(43) }, SECRET, { algorithm: 'HS256' }),
      jwt.sign({ ...claims, sub: t.admin.id }, SECRET, { algorithm: 'HS256' }),
      jwt.sign({ ...claims }, SECRET, { algorithm: 'HS512' }),
      'not-a-jwt',
      'a.b.c',
    ];
    const before = snapshot(t);
    for (const bad of forged) {
      const res = await request(t.app).post(`${base}/auth/reset`).send({ token: bad, password: OTHER_GOOD_PASSWORD });
      assert.equal(res.status, 403, `token ${bad.slice(0, 40)}…`);
      assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
    }
    assert.equal(snapshot(t), before);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('refuses a token whose user became remote', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const users = t.users as unknown as { findById(id: string): unknown };
    const original = users.findById.bind(t.users);
    users.findById = (id: string) => ({ ...(original(id) as object), isRemote: true });
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
  });

  it('rejects a password longer than 72 UTF-8 bytes with a clear 400 and keeps the token', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const long = `Aa1!${'é'.repeat(40)}`;
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password: long }).expect(400);
    assert.equal(res.body.kind, 'puppetlabs.rbac/password-policy-violation');
    assert.ok(res.body.details.failures.some((f: { rule: string }) => f.rule === 'maximum-bytes'));
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('normalizes Unicode (NFKC) the same way at hash and verify', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const nfc = 'Caf\u00e9-Pa55word-Long!';
    const nfd = nfc.normalize('NFD');
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: nfd }).expect(200);
    assert.equal((await login(t, 'alice', nfc)).ok, true);
    assert.equal((await login(t, 'alice', nfd)).ok, true);
  });

  it('accepts RS256 and ES256 key pairs', async () => {
    for (const type of ['rsa', 'ec'] as const) {
      const pair = type === 'rsa' ? rsaKeyPair(0) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const t = await createTestApp({ tokenKey: { privateKey: pair.privateKey } });
      const token = await issue(t);
      assert.equal(jwt.decode(token, { complete: true })?.header.alg, type === 'rsa' ? 'RS256' : 'ES256');
      await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    }
  });

  it('a token from another instance with a different key is refused', async () => {
    const a = await createTestApp();
    const b = await createTestApp({ tokenKey: 'a-different-secret-for-the-other-instance' });
    const token = await issue(a);
    await request(b.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
  });

  it('key rotation: tokens of a retired key stay valid, new ones use the current key, removing the key kills them', async () => {
    const oldKey = { kid: 'k1', secret: 'old-secret-old-secret-old-secret-123' };
    const newKey = { kid: 'k2', secret: 'new-secret-new-secret-new-secret-456' };
    const t = await createTestApp({ tokenKey: oldKey });
    const onStores = (keys: Partial<PasswordRouterOptions<TestPrincipal>>) => siblingApp(t, { tokenKey: newKey, ...keys });
    const oldToken = await issue(t);
    assert.equal(jwt.decode(oldToken, { complete: true })?.header.kid, 'k1');
    const rotated = onStores({ previousTokenKeys: [oldKey] });
    const withoutOld = onStores({});
    const check = (app: express.Express, token: string) => request(app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: token });
    assert.equal((await check(rotated, oldToken)).status, 200);
    assert.equal((await check(withoutOld, oldToken)).status, 403);
    const fresh = await request(rotated).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    assert.equal(jwt.decode(fresh.text, { complete: true })?.header.kid, 'k2');
    await request(rotated).post(`${base}/auth/reset`).send({ token: fresh.text, password: OTHER_GOOD_PASSWORD }).expect(200);
  });
});
