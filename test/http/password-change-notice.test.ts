/**
 * "Your password was changed" notices (`notifyPasswordChanged`), through HTTP and the public
 * API: one per committed write, for each way (`reset`, `change`, `admin`), also a write that
 * committed after its timeout; none for a refused write or a silent hash upgrade; never a
 * secret; and a failing notifier changes neither the answer nor the write, and is emitted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { format } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import createDebug from 'debug';
import express from 'express';
import request from 'supertest';
import {
  createErrorHandler,
  PasswordOptionsError,
  type PasswordChangeNotice,
  type PasswordEvent,
  type PasswordUser,
  type PasswordWrite,
  type StoreCallOptions,
  type UserStore,
} from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';

interface Notified {
  readonly user: PasswordUser;
  readonly notice: PasswordChangeNotice;
}

/** A test app whose notices and events are recorded; `notify` replaces the recording notifier's behaviour after it records. */
async function noticeApp(notify: (user: PasswordUser) => void | Promise<void> = () => undefined, extra: Parameters<typeof createTestApp>[0] = {}) {
  const notices: Notified[] = [];
  const events: PasswordEvent[] = [];
  const t = await createTestApp({
    onEvent: (event) => void events.push(event),
    notifyPasswordChanged: (user, notice) => {
      notices.push({ user, notice });
      return notify(user);
    },
    ...extra,
  });
  t.app.post('/login', express.json(), (req, res, next) => {
    t.router.service.verifyLogin(req.body.login, req.body.password, t.router.callContext(req)).then((result) => void res.status(result.ok ? 200 : 401).end(), next);
  });
  t.app.use(createErrorHandler());
  return { t, notices, events };
}

const change = (t: TestApp, current: string, password: string) =>
  request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).set('X-Request-Id', 'notice-test-1').send({ current_password: current, password });

async function issueToken(t: TestApp, userId: string): Promise<string> {
  return (await request(t.app).post(`${base}/users/${userId}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

describe('password-change notices', () => {
  it("a change of one's own password: one notice with the email, how, when and the request id, and no secret", async () => {
    const { t, notices } = await noticeApp();
    const oldHash = t.alice.passwordHash;
    await change(t, GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
    await t.router.service.settled();
    assert.equal(notices.length, 1);
    assert.deepEqual(notices[0]?.notice, { email: 'alice@example.com', how: 'change', at: t.now(), requestId: 'notice-test-1' });
    assert.equal(notices[0]?.user.id, t.alice.id);
    const seen = JSON.stringify(notices);
    for (const secret of [OTHER_GOOD_PASSWORD, GOOD_PASSWORD, oldHash as string, t.users.findById(t.alice.id)?.passwordHash as string]) {
      assert.ok(!seen.includes(secret), 'the notifier got a password or a hash');
    }
  });

  it('a reset by link: how reset, and the notifier never sees the token', async () => {
    const { t, notices } = await noticeApp();
    const token = await issueToken(t, t.alice.id);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    await t.router.service.settled();
    assert.deepEqual(
      notices.map((n) => n.notice.how),
      ['reset'],
    );
    assert.ok(!JSON.stringify(notices).includes(token) && !JSON.stringify(notices).includes(OTHER_GOOD_PASSWORD));
  });

  it("an administrator's set-password: how admin; a user without an email gets email null", async () => {
    const { t, notices } = await noticeApp();
    await t.router.service.setPasswordAsAdmin(t.admin.id, OTHER_GOOD_PASSWORD);
    await t.router.service.settled();
    assert.deepEqual(notices[0]?.notice, { email: null, how: 'admin', at: t.now(), requestId: null });
  });

  it('no notice for a refused change (wrong current password, policy, reuse) or a refused reset', async () => {
    const { t, notices } = await noticeApp();
    await change(t, 'Wrong-Current-Pa55word', OTHER_GOOD_PASSWORD).expect(403);
    await change(t, GOOD_PASSWORD, 'short').expect(400);
    await change(t, GOOD_PASSWORD, GOOD_PASSWORD).expect(400);
    await request(t.app)
      .post(`${base}/auth/reset`)
      .send({ token: await issueToken(t, t.alice.id), password: 'short' })
      .expect(400);
    await request(t.app).post(`${base}/auth/reset`).send({ token: 'not.a.token', password: OTHER_GOOD_PASSWORD }).expect(403);
    await t.router.service.settled();
    assert.deepEqual(notices, []);
  });

  it('no notice for the silent upgrade of a hash on sign-in', async () => {
    const { t, notices, events } = await noticeApp();
    // Cost 5, where the app hashes at 4: the sign-in replaces it.
    t.users.createUser({ login: 'old-cost', passwordHash: bcrypt.hashSync(GOOD_PASSWORD, 5), email: 'old@example.com' });
    await request(t.app).post('/login').send({ login: 'old-cost', password: GOOD_PASSWORD }).expect(200);
    await t.router.service.hashUpgradesSettled();
    await t.router.service.settled();
    assert.equal(events.filter((e) => e.type === 'password-rehashed').length, 1, 'the hash was not upgraded');
    assert.deepEqual(notices, []);
  });

  it('the answer does not wait for the notifier', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { t, notices } = await noticeApp(() => gate);
    // Were the notice awaited before the answer, this request would never be answered.
    await change(t, GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
    release();
    await t.router.service.settled();
    assert.equal(notices.length, 1);
  });

  for (const [name, notify] of [
    [
      'throws',
      () => {
        throw new Error('mail server refused alice@example.com');
      },
    ],
    ['rejects', () => Promise.reject(new TypeError('mail server refused alice@example.com'))],
  ] as const) {
    it(`a notifier that ${name}: the answer and the write stand, the failure is emitted and logged without the address`, async () => {
      const lines: string[] = [];
      const previous = { log: createDebug.log, namespaces: createDebug.disable() };
      createDebug.enable('express-rbac-password:*');
      createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
      try {
        const { t, events } = await noticeApp(notify);
        const answer = await change(t, GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
        assert.deepEqual(answer.body, { msg: 'The password has been changed' });
        await t.router.service.settled();
        assert.equal(await bcrypt.compare(OTHER_GOOD_PASSWORD, t.users.findById(t.alice.id)?.passwordHash ?? ''), true, 'the write was undone');
        const failed = events.filter((e) => e.type === 'password-change-notice-failed');
        assert.deepEqual(
          failed.map((e) => [e.userId, e.details]),
          [[t.alice.id, { how: 'change', reason: name === 'throws' ? 'Error' : 'TypeError' }]],
        );
        assert.ok(lines.some((line) => line.includes('notifyPasswordChanged failed') && line.includes(t.alice.id)));
        assert.ok(!lines.some((line) => line.includes('alice@example.com')), 'a log line showed the address');
      } finally {
        createDebug.log = previous.log;
        createDebug.enable(previous.namespaces);
      }
    });
  }

  it('a write that committed after its timeout (answered 503) still gets its notice', async () => {
    const { t, notices } = await noticeApp(undefined, { storeTimeoutMs: 100 });
    const users = t.users as unknown as { setPassword: UserStore['setPassword'] };
    const original = users.setPassword.bind(t.users);
    // A store that cannot cancel: it commits after the timeout.
    users.setPassword = async (id: string, write: PasswordWrite, _options?: StoreCallOptions) => {
      await delay(300);
      users.setPassword = original;
      return original(id, write);
    };
    await change(t, GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(503);
    for (let i = 0; i < 100 && notices.length === 0; i++) {
      await delay(20);
      await t.router.service.settled();
    }
    assert.deepEqual(
      notices.map((n) => n.notice.how),
      ['change'],
    );
  });

  it('refuses a notifyPasswordChanged that is not a function', async () => {
    await assert.rejects(
      createTestApp({ notifyPasswordChanged: 'mail' as never }),
      (error: unknown) => error instanceof PasswordOptionsError && error.problems.some((p) => p.option === 'notifyPasswordChanged' && p.code === 'wrong-type'),
    );
  });
});
