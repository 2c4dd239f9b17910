/**
 * Regression tests for bugs the fault injection found, each pinned to a plain example.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createBcryptHasher, createPasswordRouter } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, snapshot, type TestPrincipal } from '../helpers/app.ts';
import { FaultPlan, faulty } from '../helpers/faulty-stores.ts';

const base = '/rbac-api/v1';

async function faultyRig(fault: Parameters<FaultPlan['arm']>[0]) {
  const t = await createTestApp();
  const plan = new FaultPlan();
  const changed: string[] = [];
  const router = createPasswordRouter<TestPrincipal>({
    userStore: faulty('userStore', t.users, plan),
    tokenStore: faulty('tokenStore', t.tokens, plan),
    authorizer: t.authorizer,
    tokenKey: SECRET,
    hasher: createBcryptHasher({ cost: 4 }),
    now: t.now,
    storeTimeoutMs: 100,
    onPasswordChanged: (user) => void changed.push(user.id),
  });
  const app = express();
  app.use(base, router);
  const token = (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
  plan.arm(fault);
  return { t, plan, app, token, changed };
}

describe('fault regressions', () => {
  it('a password write that hangs inside a redemption answers 503 and leaves the token usable', async () => {
    const { t, plan, app, token } = await faultyRig({ member: 'userStore.setPassword', call: 1, mode: 'hang' });
    const before = snapshot(t);
    await request(app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(503);
    assert.ok(plan.fired);
    // Before the fix the claim stayed forever: the token was dead though no password was written.
    assert.equal(snapshot(t), before);
    plan.disarm();
    await request(app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, false);
  });
});

describe('fault regressions: revoking tokens after the password was written', () => {
  for (const mode of ['throw', 'reject', 'hang'] as const) {
    it(`a revokeForUser that fails (${mode}) after the write completes the change: 200, tokens dead, onPasswordChanged called`, async () => {
      // Before the fix: 503 although the password had changed, and onPasswordChanged (which ends
      // the user's other sessions) and the audit event were skipped.
      const reset = await faultyRig({ member: 'tokenStore.revokeForUser', call: 1, mode });
      await request(reset.app).post(`${base}/auth/reset`).send({ token: reset.token, password: OTHER_GOOD_PASSWORD }).expect(200);
      assert.ok(reset.plan.fired);
      assert.deepEqual(reset.changed, [reset.t.alice.id]);
      await request(reset.t.app).post(`${base}/command/validate-password`).send({ password: 'Probe-Pa55word-Probe!', reset_token: reset.token }).expect(403);

      const change = await faultyRig({ member: 'tokenStore.revokeForUser', call: 1, mode });
      await request(change.app)
        .put(`${base}/users/current/password`)
        .set('X-Authentication', change.t.auth.alice)
        .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
        .expect(200);
      assert.ok(change.plan.fired);
      assert.deepEqual(change.changed, [change.t.alice.id]);
      await request(change.t.app).post(`${base}/auth/reset`).send({ token: change.token, password: 'Probe-Pa55word-Probe!' }).expect(403);
    });
  }
});
