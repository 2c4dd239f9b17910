import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import type { PasswordEvent, TokenStore, UserStore } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, lockOut, OTHER_GOOD_PASSWORD, snapshot } from '../helpers/app.ts';

const base = '/rbac-api/v1';

describe('store failures', () => {
  it('a store that throws answers 503 server-error without details, and the next request works', async () => {
    const t = await createTestApp();
    const users = t.users as unknown as UserStore & { findById: UserStore['findById'] };
    const original = users.findById.bind(users);
    users.findById = () => {
      throw new Error(`db down: ${GOOD_PASSWORD}`);
    };
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(503);
    assert.deepEqual(res.body, { kind: 'puppetlabs.rbac/server-error', msg: 'An unexpected error occurred' });
    assert.equal(res.headers['retry-after'], '1');
    assert.ok(!res.text.includes(GOOD_PASSWORD));
    users.findById = original;
    await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
  });

  it('a store that hangs answers 503 within storeTimeoutMs', async () => {
    const t = await createTestApp({ storeTimeoutMs: 50 });
    const users = t.users as unknown as { findById: UserStore['findById'] };
    users.findById = () => new Promise(() => {});
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(503);
    assert.equal(res.body.kind, 'puppetlabs.rbac/server-error');
  });

  it('a failing password write keeps the token usable and the old password working', async () => {
    const t = await createTestApp();
    const token = (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
    const users = t.users as unknown as { setPassword: UserStore['setPassword'] };
    const original = users.setPassword.bind(t.users);
    users.setPassword = () => Promise.reject(new Error('disk full'));
    const before = snapshot(t);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(503);
    assert.equal(snapshot(t), before);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, true);
    users.setPassword = original;
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('a token store that fails on issue hands out no token', async () => {
    const t = await createTestApp();
    const tokens = t.tokens as unknown as { issue: TokenStore['issue'] };
    tokens.issue = () => {
      throw new Error('nope');
    };
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(503);
    assert.ok(!/\w+\.\w+\.\w+/.test(res.text.replace(/puppetlabs\.rbac/, '')));
  });

  it('an authorizer that throws answers 503', async () => {
    const t = await createTestApp();
    const authorizer = t.authorizer as { authenticate: unknown };
    authorizer.authenticate = () => {
      throw new Error('session store down');
    };
    await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(503);
  });

  it('errors thrown by onEvent and onPasswordChanged never break a request', async () => {
    const t = await createTestApp({
      onEvent: () => {
        throw new Error('audit sink down');
      },
      onPasswordChanged: () => Promise.reject(new Error('session store down')),
    });
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
  });
});

describe('audit events', () => {
  it('cover reset, change, policy rejection and reinstatement, and never hold a secret', async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    lockOut(t, t.alice.id);
    const token = (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'weak' }).expect(400);
    await request(t.app).post(`${base}/auth/reset`).set('X-Request-Id', 'r-1').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: OTHER_GOOD_PASSWORD, password: GOOD_PASSWORD.replace('42', '43') })
      .expect(200);
    assert.deepEqual(
      events.map((e) => e.type),
      ['reset-token-issued', 'policy-rejected', 'password-reset', 'account-reinstated', 'password-changed'],
    );
    assert.equal(events[2]?.requestId, 'r-1');
    assert.ok(Array.isArray(events[1]?.details?.['rules']));
    const text = JSON.stringify(events);
    for (const secret of [token, 'weak', OTHER_GOOD_PASSWORD, GOOD_PASSWORD, t.users.findById(t.alice.id)?.passwordHash ?? 'x']) {
      assert.ok(!text.includes(secret), 'an event carries a secret');
    }
  });
});
