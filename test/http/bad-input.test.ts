import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, snapshot, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';

async function issue(t: TestApp): Promise<string> {
  return (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

describe('bad input', () => {
  it('answers malformed JSON, wrong content types and bad bodies with 400 in the error format, changing nothing', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const before = snapshot(t);
    const cases: Array<{ body: string; type?: string; kind: string }> = [
      { body: '{"token":', kind: 'malformed-request' },
      { body: 'token=x&password=y', type: 'application/x-www-form-urlencoded', kind: 'malformed-request' },
      { body: 'plain', type: 'text/plain', kind: 'malformed-request' },
      { body: '', kind: 'schema-violation' },
      { body: '[]', kind: 'schema-violation' },
      { body: '"string"', kind: 'malformed-request' },
      { body: 'null', kind: 'malformed-request' },
      { body: '{}', kind: 'schema-violation' },
      { body: JSON.stringify({ token }), kind: 'schema-violation' },
      { body: JSON.stringify({ token, password: 42 }), kind: 'schema-violation' },
      { body: JSON.stringify({ token, password: '' }), kind: 'schema-violation' },
      { body: JSON.stringify({ token: '', password: OTHER_GOOD_PASSWORD }), kind: 'schema-violation' },
      { body: JSON.stringify({ token, password: OTHER_GOOD_PASSWORD, extra: 1 }), kind: 'schema-violation' },
      { body: `{"token":${JSON.stringify(token)},"password":"${OTHER_GOOD_PASSWORD}","__proto__":{"admin":true}}`, kind: 'schema-violation' },
      { body: `{"token":${JSON.stringify(token)},"password":"${OTHER_GOOD_PASSWORD}","constructor":{"prototype":{}}}`, kind: 'schema-violation' },
      { body: JSON.stringify({ token, password: ['a'] }), kind: 'schema-violation' },
      { body: JSON.stringify({ token, password: 'x'.repeat(5000) }), kind: 'schema-violation' },
    ];
    for (const c of cases) {
      const req = request(t.app)
        .post(`${base}/auth/reset`)
        .set('Content-Type', c.type ?? 'application/json')
        .send(c.body);
      const res = await req;
      assert.equal(res.status, 400, `${c.body.slice(0, 60)} -> ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.body.kind, `puppetlabs.rbac/${c.kind}`, c.body.slice(0, 60));
      assert.equal(typeof res.body.msg, 'string');
    }
    assert.equal(snapshot(t), before);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('schema-violation details name the problem but never echo the submitted values', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token: 'secret-token-value', password: 'Secret-Pa55word-Value!', extra: 'x' }).expect(400);
    assert.ok(Array.isArray(res.body.details.errors));
    assert.ok(!res.text.includes('secret-token-value'));
    assert.ok(!res.text.includes('Secret-Pa55word-Value!'));
  });

  it('a body over the limit gets 413', async () => {
    const t = await createTestApp({ bodyLimit: 1024 });
    const res = await request(t.app)
      .post(`${base}/auth/reset`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ token: 'x', password: 'y'.repeat(4000) }))
      .expect(413);
    assert.equal(res.body.kind, 'puppetlabs.rbac/request-too-large');
  });

  it('passwords: empty, whitespace, 10,000 characters, lone surrogates, NUL, emoji past 72 bytes each get a clear 400', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const before = snapshot(t);
    const bad = ['            ', 'x'.repeat(4000), `Aa1!Abcdefgh\uD800xyz`, `Aa1!Abcdefgh\u0000xyz`, `Aa1!${'😀'.repeat(18)}`];
    for (const password of bad) {
      const res = await request(t.app).post(`${base}/auth/reset`).send({ token, password });
      assert.equal(res.status, 400, JSON.stringify(password.slice(0, 20)));
      assert.ok(['puppetlabs.rbac/password-policy-violation', 'puppetlabs.rbac/schema-violation'].includes(res.body.kind));
    }
    const huge = await request(t.app)
      .post(`${base}/auth/reset`)
      .send({ token, password: 'x'.repeat(10_000) });
    assert.equal(huge.status, 400);
    assert.equal(snapshot(t), before);
  });

  it('a non-UTF-8 charset is refused with 400', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/auth/reset`).set('Content-Type', 'application/json; charset=utf-16').send('{}');
    assert.equal(res.status, 400);
    assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
  });

  it('change-password bad bodies get 400 and do not count as failed attempts', async () => {
    const t = await createTestApp();
    for (const body of [{}, { password: OTHER_GOOD_PASSWORD }, { current_password: GOOD_PASSWORD }, { current_password: 1, password: 2 }]) {
      const res = await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).send(body).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/schema-violation');
    }
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
  });
});
