/**
 * The whole story over HTTP against the reference server on PGlite: login, lockout after the
 * threshold, token issue, reset through the API, reinstatement, login with the new password, old
 * tokens refused, revoke and reinstate, a password change ending the other sessions, and a restart
 * on the same data directory with every piece of state still there.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, type RunningServer } from '../helpers/server.ts';

// An empty cluster, not a bare directory: the first start on one is readme-shell's (npm start, as the READMEs say).
const dataDir = await dataDirWithEmptyCluster('story');
const seedFile = path.join(dataDir, '..', `${path.basename(dataDir)}-seed.json`);
writeFileSync(seedFile, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD, email: 'alice@example.com', display_name: 'Alice' }] }));
const PUBLIC_URL = 'https://rbac.example.test/rbac-api/v1/reset-password';
const env = { RBAC_DATA_DIR: dataDir, RBAC_SEED: seedFile, RBAC_FAILED_ATTEMPTS_LOCKOUT: '3', RBAC_PUBLIC_URL: PUBLIC_URL };

let running: RunningServer;
before(async () => {
  running = await startServer(env);
});
after(async () => {
  await running?.close();
});

const json = { 'Content-Type': 'application/json' };
const login = (loginName: string, password: string) => request(running.base).post('/auth/token').set(json).send({ login: loginName, password });
const as = (token: string) => ({ 'X-Authentication': token });

test('the whole story, then a restart keeps every piece of state', async () => {
  assert.ok(running.printed.some((line) => line.includes('RBAC_ADMIN_PASSWORD')));
  assert.ok(running.printed.some((line) => line.includes('alice')));
  const adminToken = (await login('admin', ADMIN_PASSWORD).expect(200)).body.token as string;
  const aliceSession = (await login('alice', ALICE_PASSWORD).expect(200)).body.token as string;
  const me = await request(running.base).get('/users/current').set(as(aliceSession)).expect(200);
  assert.equal(me.headers['cache-control'], 'no-store');
  const openApi = await request(running.base).get('/openapi.json').expect(200);
  assert.match(openApi.body.openapi, /^3\.1\./);
  assert.ok(openApi.body.paths['/auth/reset']);
  assert.equal(me.body.login, 'alice');
  assert.equal(me.body.email, 'alice@example.com');
  assert.match(me.body.last_login, /^\d{4}-\d\d-\d\dT.*Z$/);
  const aliceId = me.body.id as string;
  assert.deepEqual(Object.keys(me.body).sort(), ['display_name', 'email', 'id', 'is_remote', 'is_revoked', 'is_superuser', 'last_login', 'login']);

  // Lockout: three wrong passwords revoke the account; then even the right one is refused, with
  // the very answer of a wrong one and of an unknown login: the guessing stops with the lockout.
  for (let i = 0; i < 3; i++) {
    const wrong = await login('alice', 'Wrong-Password-1!').expect(401);
    assert.equal(wrong.body.kind, 'puppetlabs.rbac/user-unauthenticated');
  }
  const locked = await login('alice', ALICE_PASSWORD).expect(401);
  assert.equal(locked.body.kind, 'puppetlabs.rbac/user-unauthenticated');
  const lockedWrong = await login('alice', 'Wrong-Password-1!').expect(401);
  const unknown = await login('nobody', 'Wrong-Password-1!').expect(401);
  assert.deepEqual(lockedWrong.body, unknown.body, 'a wrong password on a revoked account answers exactly like an unknown login');
  assert.deepEqual(locked.body, unknown.body, 'the right password on a revoked account answers exactly like an unknown login');
  assert.equal((await request(running.base).get(`/users/${aliceId}`).set(as(adminToken)).expect(200)).body.is_revoked, true);
  assert.equal((await request(running.base).get('/users/current').set(as(aliceSession)).expect(401)).body.kind, 'puppetlabs.rbac/user-revoked');

  // The admin issues a reset token, with a link built from RBAC_PUBLIC_URL (never from Host).
  const issued = await request(running.base).post(`/users/${aliceId}/password/reset`).set(as(adminToken)).set('Accept', 'application/json').set('Host', 'evil.example').expect(200);
  const resetToken = issued.body.token as string;
  assert.equal(issued.body.link, `${PUBLIC_URL}#token=${resetToken}`);

  // Neither kind of token is accepted as the other.
  assert.equal((await request(running.base).get('/users/current').set(as(resetToken)).expect(401)).body.kind, 'puppetlabs.rbac/user-unauthenticated');
  await request(running.base).post('/auth/reset').set(json).send({ token: adminToken, password: NEW_PASSWORD }).expect(403);

  const weak = await request(running.base).post('/command/validate-password').set(json).send({ password: 'alice', reset_token: resetToken }).expect(200);
  assert.equal(weak.body.valid, false);
  assert.ok((weak.body.failures as { rule: string }[]).some((f) => f.rule === 'contains-login'));

  // Reset through the API: reinstates, does not log in, ends the old sessions.
  const reset = await request(running.base).post('/auth/reset').set(json).send({ token: resetToken, password: NEW_PASSWORD }).expect(200);
  assert.equal(reset.body.token, undefined);
  assert.equal(reset.headers['set-cookie'], undefined);
  assert.equal((await request(running.base).get(`/users/${aliceId}`).set(as(adminToken)).expect(200)).body.is_revoked, false);
  assert.equal((await request(running.base).get('/users/current').set(as(aliceSession)).expect(401)).body.kind, 'puppetlabs.rbac/user-unauthenticated');
  await request(running.base).post('/auth/reset').set(json).send({ token: resetToken, password: 'Another-Fresh-Pw-9!' }).expect(403);
  await login('alice', ALICE_PASSWORD).expect(401);
  const second = (await login('alice', NEW_PASSWORD).expect(200)).body.token as string;

  // Revoke and reinstate by the admin; alice may do neither.
  await request(running.base).post('/command/users/revoke').set(as(second)).set(json).send({ user_id: aliceId }).expect(403);
  await request(running.base).post('/command/users/revoke').set(as(adminToken)).set(json).send({ user_id: aliceId }).expect(204);
  await request(running.base).get('/users/current').set(as(second)).expect(401);
  await login('alice', NEW_PASSWORD).expect(401);
  await request(running.base).post('/command/users/reinstate').set(as(adminToken)).set(json).send({ user_id: aliceId }).expect(204);

  // A password change keeps the session that made it and ends the others.
  const keeper = (await login('alice', NEW_PASSWORD).expect(200)).body.token as string;
  const other = (await login('alice', NEW_PASSWORD).expect(200)).body.token as string;
  const changed = await request(running.base).put('/users/current/password').set(as(keeper)).set(json).send({ current_password: NEW_PASSWORD, password: 'Changed-By-Owner-42!' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await request(running.base).get('/users/current').set(as(keeper)).expect(200);
  await request(running.base).get('/users/current').set(as(other)).expect(401);

  // A token issued before the restart must still work after it (the signing secret is kept).
  const beforeRestart = (await request(running.base).post(`/users/${aliceId}/password/reset`).set(as(adminToken)).set('Accept', 'application/json').expect(200)).body
    .token as string;
  await running.close();
  running = await startServer(env);
  assert.ok(!running.printed.some((line) => line.includes('Created')), 'admin and seed users are created only once');

  await request(running.base).get('/users/current').set(as(adminToken)).expect(200);
  await login('alice', 'Changed-By-Owner-42!').expect(200);
  const users = (await request(running.base).get('/users').set(as(adminToken)).expect(200)).body as { login: string }[];
  assert.deepEqual(
    users.map((u) => u.login),
    ['admin', 'alice'],
  );
  // History survives: the previous password is refused.
  const reused = await request(running.base).post('/auth/reset').set(json).send({ token: beforeRestart, password: NEW_PASSWORD }).expect(400);
  assert.equal(reused.body.kind, 'puppetlabs.rbac/password-policy-violation');
  await request(running.base).post('/auth/reset').set(json).send({ token: beforeRestart, password: 'After-Restart-Pw-7!' }).expect(200);
  await login('alice', 'After-Restart-Pw-7!').expect(200);
});
