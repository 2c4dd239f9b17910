import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';

const path = '/rbac-api/v1/command/validate-password';

async function issue(t: TestApp): Promise<string> {
  return (await request(t.app).post(`/rbac-api/v1/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

describe('POST /command/validate-password', () => {
  it('requires authentication when no reset token comes with it', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(path).send({ password: OTHER_GOOD_PASSWORD }).expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-unauthenticated');
  });

  it('lists every failing rule for the signed-in user', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ password: 'alice' }).expect(200);
    assert.equal(res.body.valid, false);
    const rules = res.body.failures.map((f: { rule: string }) => f.rule);
    for (const rule of ['minimum-length', 'uppercase-letters', 'numbers', 'special-characters', 'contains-login']) assert.ok(rules.includes(rule), rule);
    const ok = await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.deepEqual(ok.body, { valid: true, failures: [] });
  });

  it('checks the rules for the token user (login) without consuming the token, and never compares against the stored hashes', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const withLogin = await request(t.app).post(path).send({ password: 'Alice-Strong-Pa55word!', reset_token: token }).expect(200);
    assert.deepEqual(
      withLogin.body.failures.map((f: { rule: string }) => f.rule),
      ['contains-login'],
    );
    // The current password passes here: reuse is checked on submit, where each refusal costs the token.
    const current = await request(t.app).post(path).send({ password: GOOD_PASSWORD, reset_token: token }).expect(200);
    assert.deepEqual(current.body, { valid: true, failures: [] });
    await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('refuses an invalid reset token with 403', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(path).send({ password: OTHER_GOOD_PASSWORD, reset_token: 'nope' }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
  });

  it('the NIST preset is one option away', async () => {
    const { NIST_800_63B_REV4 } = await import('../../lib/index.ts');
    const t = await createTestApp({ policy: NIST_800_63B_REV4 });
    const lower = await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ password: 'correct horse battery staple' }).expect(200);
    assert.deepEqual(lower.body, { valid: true, failures: [] });
    const short = await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ password: 'Sh0rt!Pass' }).expect(200);
    assert.deepEqual(
      short.body.failures.map((f: { rule: string }) => f.rule),
      ['minimum-length'],
    );
  });
});
