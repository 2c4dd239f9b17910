/**
 * Regression tests of the security issue (revocation, lockout and validation oracles), black-box
 * through the reference server's HTTP API, on each store: memory, PGlite, and a real PostgreSQL
 * server (DATABASE_URL; skipped, saying why, when unset). Each item failed on the code before the fix.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';
import { ownDatabase, SERVER_SKIP } from '../helpers/postgres-fixtures.ts';

const HELPDESK_PASSWORD = 'Desk-Lamp-Coffee-9%';
const json = { 'Content-Type': 'application/json' };

function seedFile(): string {
  const file = path.join(tempDir('security-seed'), 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [
        { login: 'alice', password: ALICE_PASSWORD },
        { login: 'helpdesk', password: HELPDESK_PASSWORD, permissions: ['users:reset_password:*', 'users:disable:*'] },
      ],
    }),
  );
  return file;
}

interface StoreSetup {
  readonly name: string;
  readonly skip: false | string;
  env(): Promise<Record<string, string>>;
  cleanup?(): Promise<void>;
}

const database = ownDatabase(`rbac_security_${process.pid}`);

const STORES: readonly StoreSetup[] = [
  { name: 'memory', skip: false, env: async () => ({ RBAC_STORE: 'memory' }) },
  { name: 'PGlite', skip: false, env: async () => ({ RBAC_STORE: 'pglite', RBAC_DATA_DIR: await dataDirWithEmptyCluster('security-pglite') }) },
  {
    name: 'PostgreSQL server',
    skip: SERVER_SKIP,
    env: async () => ({ RBAC_STORE: 'postgres', DATABASE_URL: await database.create() }),
    cleanup: () => database.drop(),
  },
];

for (const setup of STORES) {
  describe(`security, reference server on ${setup.name}`, { skip: setup.skip }, () => {
    let running: RunningServer;
    const login = (name: string, password: string) => request(running.base).post('/auth/token').set(json).send({ login: name, password });
    const session = async (name: string, password: string) => (await login(name, password).expect(200)).body.token as string;
    const as = (token: string) => ({ 'X-Authentication': token });
    const idOf = async (admin: string, name: string) =>
      ((await request(running.base).get('/users').set(as(admin)).expect(200)).body as { id: string; login: string }[]).find((u) => u.login === name)?.id as string;
    const issue = async (caller: string, id: string) =>
      (await request(running.base).post(`/users/${id}/password/reset`).set(as(caller)).set('Accept', 'application/json').expect(200)).body.token as string;
    const reset = (token: string, password: string) => request(running.base).post('/auth/reset').set(json).send({ token, password });

    before(async () => {
      running = await startServer({ ...(await setup.env()), RBAC_SEED: seedFile(), RBAC_FAILED_ATTEMPTS_LOCKOUT: '3' });
    });
    after(async () => {
      await running?.close();
      await setup.cleanup?.();
    });

    test("1. an administrator's revocation sticks: it kills outstanding tokens, and a token issued later sets the password but does not reinstate", async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const aliceId = await idOf(admin, 'alice');
      const before = await issue(admin, aliceId);
      await request(running.base).post('/command/users/revoke').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      const refused = await reset(before, NEW_PASSWORD).expect(403);
      assert.equal(refused.body.kind, 'puppetlabs.rbac/invalid-token', 'a token issued before the revocation still worked');
      await login('alice', NEW_PASSWORD).expect(401);

      const during = await issue(admin, aliceId);
      const done = await reset(during, NEW_PASSWORD).expect(200);
      assert.match(done.body.msg, /stays revoked/);
      assert.equal((await request(running.base).get(`/users/${aliceId}`).set(as(admin)).expect(200)).body.is_revoked, true);
      await login('alice', NEW_PASSWORD).expect(401);

      await request(running.base).post('/command/users/reinstate').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      await login('alice', NEW_PASSWORD).expect(200);
    });

    test('2. once the lockout trips, every password gets the answer of an unknown login; reinstate can hand out a reset token', async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const aliceId = await idOf(admin, 'alice');
      for (let i = 0; i < 3; i++) await login('alice', `Wrong-Guess-${i}!x`).expect(401);
      const right = await login('alice', NEW_PASSWORD).expect(401);
      const wrong = await login('alice', 'Wrong-Guess-9!x').expect(401);
      const unknown = await login('nobody-at-all', 'Wrong-Guess-9!x').expect(401);
      assert.deepEqual(right.body, unknown.body, 'the right password on a locked account was told apart');
      assert.deepEqual(wrong.body, unknown.body);
      assert.equal(right.headers['retry-after'], undefined);

      const reinstated = await request(running.base).post('/command/users/reinstate').set(as(admin)).set(json).send({ user_id: aliceId, with_reset_token: true }).expect(200);
      assert.equal(typeof reinstated.body.token, 'string');
      await login('alice', NEW_PASSWORD).expect(200);
      await reset(reinstated.body.token, 'Reinstated-Fresh-Pw-5!').expect(200);
      await login('alice', 'Reinstated-Fresh-Pw-5!').expect(200);
    });

    test('3. validate-password never compares against stored hashes; reuse refusals on /auth/reset spend a budget of 5, then the token dies', async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const aliceId = await idOf(admin, 'alice');
      const token = await issue(admin, aliceId);
      const current = 'Reinstated-Fresh-Pw-5!';
      const checked = await request(running.base).post('/command/validate-password').set(json).send({ password: current, reset_token: token }).expect(200);
      assert.deepEqual(checked.body, { valid: true, failures: [] }, 'validate-password revealed the current password');
      const alice = await session('alice', current);
      const own = await request(running.base).post('/command/validate-password').set(as(alice)).set(json).send({ password: NEW_PASSWORD }).expect(200);
      assert.deepEqual(own.body, { valid: true, failures: [] }, 'validate-password revealed an earlier password');

      // Stateless refusals cost nothing.
      for (let i = 0; i < 6; i++) await reset(token, 'short').expect(400);
      for (let i = 0; i < 5; i++) {
        const reused = await reset(token, i % 2 === 0 ? current : NEW_PASSWORD).expect(400);
        assert.equal(reused.body.details.failures[0].rule, 'password-reused');
      }
      const dead = await reset(token, 'Never-Used-Before-Pw-3!').expect(403);
      assert.equal(dead.body.kind, 'puppetlabs.rbac/invalid-token', 'the token survived its spent budget');
      await login('alice', current).expect(200);
    });

    test('4. a reset or revocation cannot escalate: only a superuser acts on a superuser, nobody on a user with more permissions', async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const helpdesk = await session('helpdesk', HELPDESK_PASSWORD);
      const adminId = await idOf(admin, 'admin');
      const aliceId = await idOf(admin, 'alice');
      const denied = await request(running.base).post(`/users/${adminId}/password/reset`).set(as(helpdesk)).expect(403);
      assert.equal(denied.body.kind, 'puppetlabs.rbac/permission-denied');
      await request(running.base).post('/command/users/revoke').set(as(helpdesk)).set(json).send({ user_id: adminId }).expect(403);
      await request(running.base).post('/command/users/reinstate').set(as(helpdesk)).set(json).send({ user_id: adminId }).expect(403);
      await session('admin', ADMIN_PASSWORD);
      // Within its own rank, the helpdesk still works.
      await request(running.base).post(`/users/${aliceId}/password/reset`).set(as(helpdesk)).expect(200);
    });

    test('5. a login with NUL or another control character is an unknown login (401), never a 5xx', async () => {
      const unknown = await login('nobody-at-all', 'Wrong-Guess-9!x').expect(401);
      for (const name of ['ali\u0000ce', '\u0000', 'alice\n', 'a\u0085b', 'x\u007f']) {
        const res = await login(name, ALICE_PASSWORD);
        assert.equal(res.status, 401, `${JSON.stringify(name)}: ${res.status} ${res.text}`);
        assert.deepEqual(res.body, unknown.body);
      }
    });

    // The time limit turns "hangs for hours" (the old behaviour) into a failure.
    test('5. a stored hash above the maximum cost never matches and does not occupy the hasher', { timeout: 30_000 }, async () => {
      const admin = await session('admin', ADMIN_PASSWORD);
      const aliceId = await idOf(admin, 'alice');
      const users = running.server.store.userStore;
      const current = await users.findById(aliceId);
      // An imported row with cost 31: verifying it would take hours.
      const absurd = '$2b$31$abcdefghijklmnopqrstuuYm8gF5bZ2l1v7fQH0m0v3Jt9m1bq3vS';
      assert.equal(await users.setPassword(aliceId, { passwordHash: absurd, previousHash: current?.passwordHash ?? null, historySize: 0, reinstate: false }), true);
      await Promise.all(Array.from({ length: 4 }, () => login('alice', 'Any-Guess-At-All-1!').expect(401)));
      // Other sign-ins are not stalled behind it.
      await login('admin', ADMIN_PASSWORD).expect(200);
    });
  });
}
