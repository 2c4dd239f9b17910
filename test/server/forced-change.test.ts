/**
 * The forced password change on the reference server: `POST /command/users/require-password-change`,
 * `POST /auth/token` answering 401 `password-change-required` (no session) only to the right
 * password, `POST /auth/change-password`, and `RBAC_RESET_REQUIRES_CHANGE` / `RBAC_PASSWORD_MAX_AGE_DAYS`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const DESK_PASSWORD = 'Desk-Lamp-Coffee-9%';
const json = { 'Content-Type': 'application/json' };
let running: RunningServer;
let clock = Date.parse('2026-12-01T09:00:00Z');

before(async () => {
  const seed = path.join(tempDir('forced-change'), 'seed.json');
  writeFileSync(
    seed,
    JSON.stringify({
      users: [
        { login: 'alice', password: ALICE_PASSWORD },
        { login: 'bob', password: ALICE_PASSWORD },
        { login: 'helpdesk', password: DESK_PASSWORD, permissions: ['users:reset_password:*'] },
        { login: 'ldap-bob', is_remote: true },
      ],
    }),
  );
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed, RBAC_PASSWORD_MAX_AGE_DAYS: '30' }, { now: () => new Date(clock) });
});
after(async () => {
  await running?.close();
});

const api = () => request(running.base);
const signIn = (login: string, password: string) => api().post('/auth/token').set(json).send({ login, password });
const tokenOf = async (login: string, password: string) => (await signIn(login, password).expect(200)).body.token as string;
async function idOf(login: string): Promise<string> {
  const admin = await tokenOf('admin', ADMIN_PASSWORD);
  const users = (await api().get('/users').set('X-Authentication', admin).expect(200)).body as { id: string; login: string }[];
  return (users.find((u) => u.login === login) as { id: string }).id;
}
const requireChange = (auth: string, body: unknown) =>
  api()
    .post('/command/users/require-password-change')
    .set('X-Authentication', auth)
    .set(json)
    .send(body as object);

test('an administrator requires a change: sessions end, the right password gets 401 password-change-required and no session, a wrong one the usual answer', async () => {
  const aliceId = await idOf('alice');
  const aliceSession = await tokenOf('alice', ALICE_PASSWORD);
  const admin = await tokenOf('admin', ADMIN_PASSWORD);
  await requireChange(admin, { user_id: aliceId }).expect(204);
  await api().get('/users/current').set('X-Authentication', aliceSession).expect(401);

  const refused = await signIn('alice', ALICE_PASSWORD).expect(401);
  assert.equal(refused.body.kind, 'puppetlabs.rbac/password-change-required');
  assert.deepEqual(refused.body.details, { cause: 'required' });
  assert.equal(refused.body.token, undefined);
  const unknown = await signIn('nobody', 'Wrong-Password-1!').expect(401);
  const wrong = await signIn('alice', 'Wrong-Password-1!').expect(401);
  assert.deepEqual(wrong.body, unknown.body, 'a wrong password of a change-required account answers as an unknown login');

  // The way out: login, current and new password, no session.
  const bad = await api().post('/auth/change-password').set(json).send({ login: 'alice', current_password: 'Wrong-Password-1!', password: NEW_PASSWORD }).expect(401);
  assert.deepEqual(bad.body, (await api().post('/auth/change-password').set(json).send({ login: 'nobody', current_password: 'Wrong-Password-1!', password: NEW_PASSWORD })).body);
  await api().post('/auth/change-password').set(json).send({ login: 'alice', current_password: ALICE_PASSWORD, password: NEW_PASSWORD }).expect(200);
  await signIn('alice', ALICE_PASSWORD).expect(401);
  await tokenOf('alice', NEW_PASSWORD);
});

test('require-password-change: permission, no escalation, bad input and unknown users change nothing', async () => {
  const bobId = await idOf('bob');
  const desk = await tokenOf('helpdesk', DESK_PASSWORD);
  const admin = await tokenOf('admin', ADMIN_PASSWORD);
  const adminId = await idOf('admin');
  const alice = await tokenOf('alice', NEW_PASSWORD);
  assert.equal((await requireChange(alice, { user_id: bobId }).expect(403)).body.kind, 'puppetlabs.rbac/permission-denied');
  // helpdesk holds users:reset_password:* but is no superuser: it may not force the admin.
  await requireChange(desk, { user_id: adminId }).expect(403);
  await tokenOf('admin', ADMIN_PASSWORD);
  for (const body of [{}, { user_id: 'not-a-uuid' }, { user_id: bobId, extra: true }, { user_id: 7 }]) {
    const res = await requireChange(admin, body).expect(400);
    assert.match(res.body.kind, /^puppetlabs\.rbac\/(schema-violation|invalid-uuid)$/, JSON.stringify(body));
  }
  assert.equal((await requireChange(admin, { user_id: '00000000-0000-4000-8000-000000000000' }).expect(404)).body.kind, 'puppetlabs.rbac/not-found');
  assert.equal((await requireChange(admin, { user_id: await idOf('ldap-bob') }).expect(403)).body.kind, 'puppetlabs.rbac/permission-denied');
  await api().post('/command/users/require-password-change').set(json).send({ user_id: bobId }).expect(401);
  // Nothing changed for bob by any of those.
  await tokenOf('bob', ALICE_PASSWORD);
  await requireChange(desk, { user_id: bobId }).expect(204);
  assert.equal((await signIn('bob', ALICE_PASSWORD).expect(401)).body.kind, 'puppetlabs.rbac/password-change-required');
});

test('RBAC_PASSWORD_MAX_AGE_DAYS: a password older than that must be changed (cause expired)', async () => {
  await tokenOf('alice', NEW_PASSWORD);
  clock += 30 * 86_400_000;
  const aged = await signIn('alice', NEW_PASSWORD).expect(401);
  assert.equal(aged.body.kind, 'puppetlabs.rbac/password-change-required');
  assert.deepEqual(aged.body.details, { cause: 'expired' });
  await api().post('/auth/change-password').set(json).send({ login: 'alice', current_password: NEW_PASSWORD, password: 'Third-Garden-Lamp-88!' }).expect(200);
  await tokenOf('alice', 'Third-Garden-Lamp-88!');
});

test('the OpenAPI document describes the change route', async () => {
  const doc = (await api().get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
  assert.ok(doc.paths['/auth/change-password']);
});
