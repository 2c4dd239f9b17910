/**
 * `POST /reset-password/account`: the login a reset token belongs to, for the reset page to name
 * the account. A bad, used or superseded token is 403 invalid-token; the token is not consumed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

let running: RunningServer;
before(async () => {
  const seed = path.join(tempDir('reset-account'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD }] }));
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
});
after(async () => {
  await running?.close();
});

const json = { 'Content-Type': 'application/json' };

test('names the account of a usable token, and refuses bad, used and malformed ones', async () => {
  const api = request(running.base);
  const admin = (await api.post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token as string;
  const alice = ((await api.get('/users').set('X-Authentication', admin).expect(200)).body as { id: string; login: string }[]).find((u) => u.login === 'alice');
  assert.ok(alice);
  const token = (await api.post(`/users/${alice.id}/password/reset`).set('X-Authentication', admin).expect(200)).text;

  const named = await api.post('/reset-password/account').set(json).send({ reset_token: token }).expect(200);
  assert.deepEqual(named.body, { login: 'alice' });
  assert.equal(named.headers['cache-control'], 'no-store');
  assert.equal(
    (
      await api
        .post('/reset-password/account')
        .set(json)
        .send({ reset_token: `${token}x` })
        .expect(403)
    ).body.kind,
    'puppetlabs.rbac/invalid-token',
  );
  assert.equal((await api.post('/reset-password/account').set(json).send({ token }).expect(400)).body.kind, 'puppetlabs.rbac/schema-violation');
  assert.equal((await api.post('/reset-password/account').set('Content-Type', 'text/plain').send(token).expect(400)).body.kind, 'puppetlabs.rbac/malformed-request');

  // Not consumed: the reset still works, and then the token names nobody.
  await api.post('/auth/reset').set(json).send({ token, password: NEW_PASSWORD }).expect(200);
  assert.equal((await api.post('/reset-password/account').set(json).send({ reset_token: token }).expect(403)).body.kind, 'puppetlabs.rbac/invalid-token');
});
