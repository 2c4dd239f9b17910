/**
 * HTTP hygiene on our routes: `Cache-Control: no-store` on every answer that carries a token,
 * `Referrer-Policy: no-referrer` and `X-Content-Type-Options: nosniff` on every answer of ours,
 * and no token in any URL we produce (the `link` carries it in the fragment only).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';
import { assertSecurityHeaders } from '../helpers/fuzz-support.ts';

const base = '/rbac-api/v1';

/** Every answer of ours that the routes give, success and failure, with the token when one is carried. */
async function allAnswers(t: TestApp): Promise<Array<{ name: string; res: request.Response; token?: string }>> {
  const out: Array<{ name: string; res: request.Response; token?: string }> = [];
  const add = (name: string, res: request.Response, token?: string) => void out.push({ name, res, ...(token === undefined ? {} : { token }) });
  const issueText = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin);
  add('issue text/plain', issueText, issueText.text);
  const issueJson = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json');
  const token = (issueJson.body as { token: string }).token;
  add('issue JSON', issueJson, token);
  add('issue 401', await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`));
  add('issue 403', await request(t.app).post(`${base}/users/${t.admin.id}/password/reset`).set('X-Authentication', t.auth.alice));
  add('issue 404', await request(t.app).post(`${base}/users/00000000-0000-0000-0000-000000000000/password/reset`).set('X-Authentication', t.auth.admin));
  add('issue 400', await request(t.app).post(`${base}/users/nope/password/reset`).set('X-Authentication', t.auth.admin));
  add('validate 200', await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: token }));
  add('validate 401', await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD }));
  add('reset 400 policy', await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'short' }));
  add('reset 400 json', await request(t.app).post(`${base}/auth/reset`).set('Content-Type', 'application/json').send('{'));
  add(
    'reset 413',
    await request(t.app)
      .post(`${base}/auth/reset`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ token, password: 'x'.repeat(20_000) })),
  );
  add('reset 200', await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }));
  add('reset 403', await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Third-Secret-Pa55word!' }));
  add(
    'change 403',
    await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: 'Third-Secret-Pa55word!' }),
  );
  add(
    'change 200',
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: OTHER_GOOD_PASSWORD, password: 'Third-Secret-Pa55word!' }),
  );
  add('unknown path under the mount', await request(t.app).get(`${base}/users/${t.alice.id}/password/reset`));
  return out;
}

describe('HTTP hygiene', () => {
  it('every answer of ours has no-store, no-referrer and nosniff; no answer puts a token in a URL header', async () => {
    const t = await createTestApp({ publicUrl: 'https://rbac.example.com/reset-password' });
    const answers = await allAnswers(t);
    assert.ok(answers.length >= 15);
    const tokens = answers.flatMap((a) => (a.token === undefined ? [] : [a.token]));
    assert.equal(tokens.length, 2);
    for (const { name, res } of answers) {
      assertSecurityHeaders(res, name);
      for (const header of ['location', 'content-location', 'link', 'refresh']) assert.equal(res.headers[header], undefined, `${name}: ${header}`);
      assert.equal(res.headers['set-cookie'], undefined, `${name}: Set-Cookie`);
      for (const token of tokens) assert.ok(!JSON.stringify(res.headers).includes(token.slice(-20)), `${name}: a token in a header`);
    }
  });

  it('the answers that carry a token are no-store and never cached by a proxy either', async () => {
    const t = await createTestApp({ publicUrl: 'https://rbac.example.com/reset-password' });
    for (const { name, res, token } of await allAnswers(t)) {
      if (token === undefined) continue;
      assert.equal(res.status, 200, name);
      assert.equal(res.headers['cache-control'], 'no-store', name);
      assert.equal(res.headers['pragma'], 'no-cache', name);
      assert.equal(res.headers['etag'] === undefined || !String(res.headers['etag']).includes(token.slice(-12)), true, name);
    }
  });

  it('the link carries the token in the fragment only, after a publicUrl that keeps its path and query', async () => {
    const t = await createTestApp({ publicUrl: 'https://rbac.example.com/app/reset-password?lang=en' });
    const res = await request(t.app)
      .post(`${base}/users/${t.alice.id}/password/reset`)
      .set('X-Authentication', t.auth.admin)
      .set('Accept', 'application/json')
      .set('Host', 'evil.example.net')
      .set('X-Forwarded-Host', 'evil.example.net')
      .expect(200);
    const { token, link } = res.body as { token: string; link: string };
    const url = new URL(link);
    assert.equal(url.origin, 'https://rbac.example.com', 'the link is never built from the request Host');
    assert.equal(url.pathname, '/app/reset-password');
    assert.equal(url.search, '?lang=en');
    assert.equal(url.hash, `#token=${token}`);
    assert.ok(!`${url.origin}${url.pathname}${url.search}`.includes(token.slice(-20)), 'a token outside the fragment');
  });

  it('without publicUrl there is no link at all', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json').expect(200);
    assert.deepEqual(Object.keys(res.body), ['token']);
  });
});
