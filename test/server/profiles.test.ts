/**
 * The reference server keeps its users' profile fields (display name, superuser) itself: the
 * library's `MemoryUserStore` holds only what the password endpoints use. Over HTTP, in memory and
 * on PGlite, `GET /users` shows the seeded values and the superuser flag still grants its rights.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ADMIN_PASSWORD, ALICE_PASSWORD, startServer, tempDir } from '../helpers/server.ts';

function seedFile(): string {
  const file = path.join(tempDir('profiles'), 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [
        { login: 'alice', password: ALICE_PASSWORD, email: 'alice@example.com', display_name: 'Alice A.' },
        { login: 'carol', password: ALICE_PASSWORD, display_name: 'Carol C.', is_superuser: true },
      ],
    }),
  );
  return file;
}

for (const store of ['memory', 'pglite'] as const) {
  describe(`profile fields of the reference server (${store})`, () => {
    it('GET /users shows each user’s display name and superuser flag; a seeded superuser may revoke', async () => {
      const env = store === 'memory' ? { RBAC_STORE: 'memory' } : { RBAC_DATA_DIR: tempDir('profiles-data') };
      const running = await startServer({ ...env, RBAC_SEED: seedFile() });
      try {
        const login = async (name: string, password: string) => (await request(running.base).post('/auth/token').send({ login: name, password }).expect(200)).body.token as string;
        const admin = await login('admin', ADMIN_PASSWORD);
        const users = (await request(running.base).get('/users').set('X-Authentication', admin).expect(200)).body as {
          login: string;
          display_name: string | null;
          is_superuser: boolean;
          email: string | null;
          id: string;
        }[];
        const byLogin = Object.fromEntries(users.map((user) => [user.login, user]));
        assert.deepEqual(
          ['admin', 'alice', 'carol'].map((name) => [byLogin[name]?.display_name, byLogin[name]?.is_superuser, byLogin[name]?.email]),
          [
            ['Administrator', true, null],
            ['Alice A.', false, 'alice@example.com'],
            ['Carol C.', true, null],
          ],
        );
        // The flag is not only shown: carol, a superuser without permissions, may revoke alice; alice may not revoke carol.
        const alice = await login('alice', ALICE_PASSWORD);
        await request(running.base).post('/command/users/revoke').set('X-Authentication', alice).send({ user_id: byLogin['carol']?.id }).expect(403);
        const carol = await login('carol', ALICE_PASSWORD);
        await request(running.base).post('/command/users/revoke').set('X-Authentication', carol).send({ user_id: byLogin['alice']?.id }).expect(204);
      } finally {
        await running.close();
      }
    });
  });
}
