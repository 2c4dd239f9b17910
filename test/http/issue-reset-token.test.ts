import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createTestApp, SECRET, snapshot } from '../helpers/app.ts';

const base = '/rbac-api/v1';

describe('POST /users/:sid/password/reset', () => {
  it('answers the bare token as text/plain by default', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(res.text, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('answers {"token"} with Accept: application/json', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json').expect(200);
    assert.deepEqual(Object.keys(res.body), ['token']);
    assert.equal(typeof res.body.token, 'string');
  });

  it('adds a link with the token in the fragment when publicUrl is set', async () => {
    const t = await createTestApp({ publicUrl: 'https://rbac.example.com/reset-password' });
    const res = await request(t.app)
      .post(`${base}/users/${t.alice.id}/password/reset`)
      .set('X-Authentication', t.auth.admin)
      .set('Accept', 'application/json')
      .set('Host', 'evil.example')
      .expect(200);
    assert.equal(res.body.link, `https://rbac.example.com/reset-password#token=${res.body.token}`);
  });

  it('issues a JWT with sub, a 256-bit jti, iat, exp 24 h later and the reset purpose', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const claims = jwt.verify(res.text, SECRET, { algorithms: ['HS256'], clockTimestamp: t.now().getTime() / 1000 }) as jwt.JwtPayload;
    assert.equal(claims.sub, t.alice.id);
    assert.equal(claims['purpose'], 'password-reset');
    assert.ok(typeof claims.jti === 'string' && Buffer.from(claims.jti, 'base64url').length >= 16);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 24 * 3600);
    assert.equal(jwt.decode(res.text, { complete: true })?.header.alg, 'HS256');
  });

  it('honours passwordResetExpiration in hours, fractions allowed', async () => {
    const t = await createTestApp({ passwordResetExpiration: 0.5 });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const claims = jwt.decode(res.text) as jwt.JwtPayload;
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 1800);
  });

  it('stores only the token id, never the token', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const { jti } = jwt.decode(res.text) as jwt.JwtPayload;
    const record = t.tokens.find(String(jti), t.now());
    assert.ok(record);
    assert.ok(!JSON.stringify(record).includes(res.text));
    assert.ok(!JSON.stringify(record).includes(res.text.split('.')[2] ?? 'x'));
  });

  it('401 without authentication, in the API error format', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).expect(401);
    assert.deepEqual(res.body, { kind: 'puppetlabs.rbac/user-unauthenticated', msg: 'Route requires authentication' });
    assert.equal(snapshot(t), before);
  });

  it('403 when the caller may not reset this user', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    const res = await request(t.app).post(`${base}/users/${t.admin.id}/password/reset`).set('X-Authentication', t.auth.alice).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    assert.equal(snapshot(t), before);
  });

  it('403 for a remote user', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.remote.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    assert.match(res.body.msg, /remote/);
    assert.equal(t.tokens.size, 0);
  });

  it('404 for an unknown user, 400 invalid-uuid for a malformed sid', async () => {
    const t = await createTestApp();
    const missing = await request(t.app).post(`${base}/users/7f1c0c8e-4b2a-4d6e-9a55-3b1f2f1d9e00/password/reset`).set('X-Authentication', t.auth.admin).expect(404);
    assert.equal(missing.body.kind, 'puppetlabs.rbac/not-found');
    for (const sid of ['not-a-uuid', '1', '%00', 'current', `${t.alice.id}x`, '__proto__']) {
      const res = await request(t.app).post(`${base}/users/${sid}/password/reset`).set('X-Authentication', t.auth.admin).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-uuid');
    }
    assert.equal(t.tokens.size, 0);
  });

  it('401 user-revoked when the caller is revoked', async () => {
    const t = await createTestApp();
    t.users.setRevoked(t.admin.id, true);
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-revoked');
  });

  it('uses the configured error namespace', async () => {
    const t = await createTestApp({ errorNamespace: 'acme/' });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).expect(401);
    assert.equal(res.body.kind, 'acme/user-unauthenticated');
  });

  it('emits reset-token-issued with actor and request id, never the token', async () => {
    const events: unknown[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('X-Request-Id', 'req-123').expect(200);
    assert.equal(events.length, 1);
    assert.deepEqual(
      { ...(events[0] as object), at: undefined, details: undefined },
      { type: 'reset-token-issued', userId: t.alice.id, actorId: t.admin.id, requestId: 'req-123', at: undefined, details: undefined },
    );
    assert.ok(!JSON.stringify(events).includes(res.text));
  });
});
