/**
 * A password write that outlives `storeTimeoutMs`: the client gets 503, the store gets an aborted
 * signal, and the service reads back afterwards whether the write committed. A store that cannot
 * cancel commits late: the change is then finished (tokens revoked, events, onPasswordChanged).
 * A store that honours the signal commits nothing, and nothing is announced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick, setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import type { PasswordEvent, PasswordUser, PasswordWrite, StoreCallOptions, UserStore } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, lockOut, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';
const TIMEOUT_MS = 300;
const WRITE_MS = 900;

interface Watch {
  readonly events: PasswordEvent[];
  readonly changed: Promise<{ user: PasswordUser; via: string }>;
}

/** An app whose onEvent and onPasswordChanged are recorded. */
async function watchedApp(): Promise<{ t: TestApp; watch: Watch }> {
  const events: PasswordEvent[] = [];
  let changedNow: (value: { user: PasswordUser; via: string }) => void = () => {};
  const changed = new Promise<{ user: PasswordUser; via: string }>((resolve) => {
    changedNow = resolve;
  });
  const t = await createTestApp({
    storeTimeoutMs: TIMEOUT_MS,
    onEvent: (event) => void events.push(event),
    onPasswordChanged: (user, info) => changedNow({ user, via: info.via }),
  });
  return { t, watch: { events, changed } };
}

/**
 * Makes `setPassword` slow: it answers after WRITE_MS. `honour` decides whether it then checks the
 * signal (and commits nothing) or writes regardless, like a store that cannot cancel.
 */
function slowSetPassword(t: TestApp, honour: boolean): { signals: AbortSignal[] } {
  const users = t.users as unknown as { setPassword: UserStore['setPassword'] };
  const original = users.setPassword.bind(t.users);
  const signals: AbortSignal[] = [];
  users.setPassword = async (id: string, write: PasswordWrite, options?: StoreCallOptions) => {
    assert.ok(options?.signal instanceof AbortSignal, 'setPassword got no signal');
    signals.push(options.signal);
    await delay(WRITE_MS);
    users.setPassword = original;
    if (honour) options.signal.throwIfAborted();
    return original(id, write);
  };
  return { signals };
}

/** Resolves when the service reads the user back after the late write settled. */
function readBack(t: TestApp, signals: AbortSignal[]): Promise<void> {
  const users = t.users as unknown as { findById: UserStore['findById'] };
  const original = users.findById.bind(t.users);
  return new Promise((resolve) => {
    users.findById = (id: string) => {
      const user = original(id);
      if (signals.some((s) => s.aborted)) {
        users.findById = original;
        // The service compares and decides right after this read.
        void tick().then(() => tick().then(() => resolve()));
      }
      return user;
    };
  });
}

async function issueToken(t: TestApp): Promise<string> {
  return (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

describe('a password write that completes after storeTimeoutMs', () => {
  it('reset: 503, then the late commit is found and finished: events, onPasswordChanged, token revoked', async () => {
    const { t, watch } = await watchedApp();
    lockOut(t, t.alice.id);
    const token = await issueToken(t);
    const { signals } = slowSetPassword(t, false);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(503);
    assert.equal(signals.length, 1);
    assert.equal(signals[0]?.aborted, true, 'the signal did not fire on the timeout');

    const changed = await watch.changed;
    assert.equal(changed.via, 'reset');
    assert.equal(changed.user.id, t.alice.id);
    const reset = watch.events.find((e) => e.type === 'password-reset');
    assert.deepEqual(reset?.details, { afterTimeout: true });
    assert.deepEqual(watch.events.find((e) => e.type === 'account-reinstated')?.details, { via: 'reset', revokedBy: 'lockout', afterTimeout: true });
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
    assert.equal(t.tokens.find(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti, t.now()), null, 'the token survived the late reset');
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Third-Strong-Pa55word!' }).expect(403);
  });

  it('change: 503, then the late commit is found and finished: password-changed, onPasswordChanged', async () => {
    const { t, watch } = await watchedApp();
    slowSetPassword(t, false);
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(503);
    assert.equal((await watch.changed).via, 'change');
    assert.deepEqual(watch.events.find((e) => e.type === 'password-changed')?.details, { afterTimeout: true });
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('a store that honours the signal commits nothing: no event, no hook, the token stays usable', async () => {
    const { t, watch } = await watchedApp();
    let hooked = false;
    void watch.changed.then(() => {
      hooked = true;
    });
    const token = await issueToken(t);
    const { signals } = slowSetPassword(t, true);
    const readAfter = readBack(t, signals);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(503);
    await readAfter;
    assert.deepEqual(
      watch.events.map((e) => e.type),
      ['reset-token-issued'],
    );
    assert.equal(hooked, false);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, true);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });
});
