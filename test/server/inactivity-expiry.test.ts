/**
 * `RBAC_ACCOUNT_EXPIRY_DAYS` on the reference server: an idle non-superuser is revoked at its next
 * sign-in attempt and answered exactly as an unknown login (right or wrong password), the superuser
 * never is, and an administrator's reset link brings the account back.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const json = { 'Content-Type': 'application/json' };
const DAY_MS = 86_400_000;
let running: RunningServer;
// The memory store stamps accounts with the real time: the server's clock starts there and is moved on.
let clock = Date.now();

before(async () => {
  const seed = path.join(tempDir('inactivity'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: ['alice', 'bob', 'carol'].map((login) => ({ login, password: ALICE_PASSWORD })) }));
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed, RBAC_ACCOUNT_EXPIRY_DAYS: '30' }, { now: () => new Date(clock) });
});
after(async () => {
  await running?.close();
});

const api = () => request(running.base);
const signIn = (login: string, password: string) => api().post('/auth/token').set(json).send({ login, password });

test('an idle account is revoked at its next sign-in attempt and answered as an unknown login; an active one and the superuser are not', async () => {
  clock += 20 * DAY_MS;
  await signIn('carol', ALICE_PASSWORD).expect(200);
  clock += 11 * DAY_MS;
  const unknown = await signIn('nobody', ALICE_PASSWORD).expect(401);
  const right = await signIn('alice', ALICE_PASSWORD).expect(401);
  const wrong = await signIn('bob', 'Wrong-Password-1!').expect(401);
  assert.deepEqual(right.body, unknown.body);
  assert.deepEqual(wrong.body, unknown.body);
  assert.deepEqual(right.headers['retry-after'], undefined);
  await signIn('alice', ALICE_PASSWORD).expect(401);
  await signIn('carol', ALICE_PASSWORD).expect(200);
  const admin = (await signIn('admin', ADMIN_PASSWORD).expect(200)).body.token as string;
  const users = (await api().get('/users').set('X-Authentication', admin).expect(200)).body as { login: string; is_revoked: boolean }[];
  assert.deepEqual(
    users.filter((u) => u.is_revoked).map((u) => u.login),
    ['alice', 'bob'],
  );
});

test("an administrator's reset link is the way back", async () => {
  const admin = (await signIn('admin', ADMIN_PASSWORD).expect(200)).body.token as string;
  const users = (await api().get('/users').set('X-Authentication', admin).expect(200)).body as { id: string; login: string }[];
  const alice = users.find((u) => u.login === 'alice') as { id: string };
  const token = (await api().post(`/users/${alice.id}/password/reset`).set('X-Authentication', admin).expect(200)).text;
  const reset = await api().post('/auth/reset').set(json).send({ token, password: NEW_PASSWORD }).expect(200);
  assert.equal(reset.body.msg, 'The password has been reset');
  await signIn('alice', NEW_PASSWORD).expect(200);
});
