/**
 * The reference server's outstanding-reset-token routes, on memory and PGlite: the help desk
 * (`users:reset_password:*`) lists and revokes a user's links, never a superuser's (the
 * no-escalation rule of issuing applies), and a revoked link no longer resets.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const HELPDESK_PASSWORD = 'Desk-Lamp-Coffee-9%';
const json = { 'Content-Type': 'application/json' };

function seedFile(): string {
  const file = path.join(tempDir('reset-tokens-seed'), 'seed.json');
  const users = [
    { login: 'alice', password: ALICE_PASSWORD },
    { login: 'helpdesk', password: HELPDESK_PASSWORD, permissions: ['users:reset_password:*'] },
  ];
  writeFileSync(file, JSON.stringify({ users }));
  return file;
}

const STORES = [
  { name: 'memory', env: async () => ({ RBAC_STORE: 'memory' }) },
  { name: 'PGlite', env: async () => ({ RBAC_STORE: 'pglite', RBAC_DATA_DIR: await dataDirWithEmptyCluster('reset-tokens-pglite') }) },
];

for (const setup of STORES) {
  describe(`outstanding reset tokens, reference server on ${setup.name}`, () => {
    let running: RunningServer;
    before(async () => {
      running = await startServer({ ...(await setup.env()), RBAC_SEED: seedFile() });
    });
    after(() => running?.close());

    const session = async (login: string, password: string) =>
      (await request(running.base).post('/auth/token').set(json).send({ login, password }).expect(200)).body.token as string;
    const as = (token: string) => ({ 'X-Authentication': token });

    test('the help desk lists and revokes a user’s links, but not a superuser’s; a revoked link no longer resets', async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const helpdesk = await session('helpdesk', HELPDESK_PASSWORD);
      const users = (await request(running.base).get('/users').set(as(admin)).expect(200)).body as { id: string; login: string }[];
      const idOf = (login: string) => users.find((u) => u.login === login)?.id as string;
      const [adminId, aliceId] = [idOf('admin'), idOf('alice')];

      const token = (await request(running.base).post(`/users/${aliceId}/password/reset`).set(as(admin)).expect(200)).text;
      await request(running.base).post(`/users/${adminId}/password/reset`).set(as(admin)).expect(200);
      const listed = (await request(running.base).get(`/users/${aliceId}/password/reset-tokens`).set(as(helpdesk)).expect(200)).body.tokens;
      assert.equal(listed.length, 1);
      assert.deepEqual([listed[0].kind, listed[0].issued_by], ['admin', adminId]);

      for (const call of [request(running.base).get(`/users/${adminId}/password/reset-tokens`), request(running.base).delete(`/users/${adminId}/password/reset-tokens`)]) {
        assert.equal((await call.set(as(helpdesk)).expect(403)).body.kind, 'puppetlabs.rbac/permission-denied');
      }
      assert.equal((await request(running.base).get(`/users/${adminId}/password/reset-tokens`).set(as(admin)).expect(200)).body.tokens.length, 1);

      const revoked = await request(running.base).delete(`/users/${aliceId}/password/reset-tokens/${listed[0].handle}`).set(as(helpdesk)).expect(200);
      assert.deepEqual(revoked.body, { revoked: 1 });
      const refused = await request(running.base).post('/auth/reset').set(json).send({ token, password: 'Yet-Another-Pw-55!' }).expect(403);
      assert.equal(refused.body.kind, 'puppetlabs.rbac/invalid-token');
      await session('alice', ALICE_PASSWORD);
    });
  });
}
