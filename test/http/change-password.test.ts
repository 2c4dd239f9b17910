import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, snapshot } from '../helpers/app.ts';

const path = '/rbac-api/v1/users/current/password';

describe('PUT /users/current/password', () => {
  it('changes the password with the right current password', async () => {
    const changed: unknown[] = [];
    const t = await createTestApp({ onPasswordChanged: (user, info) => void changed.push({ id: user.id, via: info.via }) });
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
    assert.deepEqual(changed, [{ id: t.alice.id, via: 'change' }]);
  });

  it('403 with a message naming the cause for a wrong current password; nothing changes but the counter', async () => {
    const t = await createTestApp();
    const res = await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: 'Wrong-Password-123!', password: OTHER_GOOD_PASSWORD }).expect(403);
    assert.deepEqual(res.body, { kind: 'puppetlabs.rbac/permission-denied', msg: 'The current password is incorrect' });
    assert.equal(t.users.findById(t.alice.id)?.passwordHash, t.alice.passwordHash);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 1);
  });

  it('403 for a remote user, naming the cause', async () => {
    const t = await createTestApp();
    const res = await request(t.app).put(path).set('X-Authentication', t.auth.remote).send({ current_password: 'x', password: OTHER_GOOD_PASSWORD }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    assert.match(res.body.msg, /Remote users/);
  });

  it('401 without authentication, before reading the body', async () => {
    const t = await createTestApp();
    const res = await request(t.app).put(path).set('Content-Type', 'application/json').send('{not json').expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-unauthenticated');
  });

  it('a current password that matches only in its first 72 bytes is never accepted', async () => {
    const t = await createTestApp({ policy: { passwordMinimumLength: 12 } });
    const seventyTwo = `Aa1!${'x'.repeat(68)}`;
    assert.equal(Buffer.byteLength(seventyTwo), 72);
    const hash = await t.router.service.hashPassword(seventyTwo);
    t.users.setPassword(t.alice.id, { passwordHash: hash, previousHash: t.alice.passwordHash, historySize: 0, reinstate: false });
    await request(t.app)
      .put(path)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: `${seventyTwo}EXTRA`, password: OTHER_GOOD_PASSWORD })
      .expect(403);
    assert.equal((await t.router.service.verifyLogin('alice', `${seventyTwo}EXTRA`)).ok, false);
    assert.equal((await t.router.service.verifyLogin('alice', seventyTwo)).ok, true);
  });

  it('refuses the current password as the new one, and the last passwords of the history', async () => {
    const t = await createTestApp({ policy: { passwordHistory: 2 } });
    const put = (current: string, password: string) => request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: current, password });
    const same = await put(GOOD_PASSWORD, GOOD_PASSWORD).expect(400);
    assert.deepEqual(
      same.body.details.failures.map((f: { rule: string }) => f.rule),
      ['password-reused'],
    );
    await put(GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
    const reuse = await put(OTHER_GOOD_PASSWORD, GOOD_PASSWORD).expect(400);
    assert.deepEqual(
      reuse.body.details.failures.map((f: { rule: string }) => f.rule),
      ['password-reused'],
    );
    await put(OTHER_GOOD_PASSWORD, 'Third-Strong-Pa55word!').expect(200);
    await put('Third-Strong-Pa55word!', 'Fourth-Strong-Pa55word!').expect(200);
    // Two entries kept: the first password has dropped out of the history.
    await put('Fourth-Strong-Pa55word!', GOOD_PASSWORD).expect(200);
  });

  it('policy violations answer 400 with every failed rule, and store nothing', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    const res = await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: 'short' }).expect(400);
    assert.equal(res.body.kind, 'puppetlabs.rbac/password-policy-violation');
    assert.ok(Array.isArray(res.body.details.failures) && res.body.details.failures.length >= 1);
    assert.equal(snapshot(t), before);
  });

  it('30 concurrent wrong current passwords against a threshold of 10 revoke the user at exactly 10; a reset reinstates', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 10 });
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: 'Wrong-Password-123!', password: OTHER_GOOD_PASSWORD }),
      ),
    );
    assert.ok(attempts.every((r) => r.status === 403 || r.status === 401));
    const locked = t.users.findById(t.alice.id);
    assert.equal(locked?.isRevoked, true);
    assert.equal(locked?.failedAttempts, 10);
    const revoked = await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(401);
    assert.equal(revoked.body.kind, 'puppetlabs.rbac/user-revoked');
    const token = (await request(t.app).post(`/rbac-api/v1/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
    await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: OTHER_GOOD_PASSWORD, password: 'Third-Strong-Pa55word!' }).expect(200);
  });

  it('a right current password clears the counter', async () => {
    const t = await createTestApp();
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: 'Wrong-Password-123!', password: OTHER_GOOD_PASSWORD }).expect(403);
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
  });

  it('two concurrent changes from the same current password: one wins, the other gets 409 or 403', async () => {
    const t = await createTestApp();
    const [a, b] = await Promise.all(
      ['First-Winner-Pa55word!', 'Second-Winner-Pa55word!'].map((password) =>
        request(t.app).put(path).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password }),
      ),
    );
    const statuses = [a?.status, b?.status].sort();
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses ${statuses.join(',')}`);
    assert.ok(statuses.includes(409));
  });
});
