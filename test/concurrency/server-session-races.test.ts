/**
 * Regression test of issue 18's race 1, black-box through the reference server on memory, PGlite
 * and a real PostgreSQL server (DATABASE_URL; skipped, saying why, when unset): a sign-in whose
 * password check passed, but whose session is stored only after a revoke, a reset or a change
 * ended the user's sessions, must not keep a usable session. The race is forced by running the
 * competing request inside the server's `createSession`, just before it stores. Each case failed
 * on the code before the fix.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';
import { onRealServer, SERVER_SKIP } from '../helpers/postgres-fixtures.ts';

const json = { 'Content-Type': 'application/json' };
const DATABASE_URL = process.env['DATABASE_URL'];
const database = `rbac_session_races_${process.pid}`;

const STORES = [
  { name: 'memory', skip: false as const, env: async () => ({ RBAC_STORE: 'memory' }), cleanup: async () => {} },
  { name: 'PGlite', skip: false as const, env: async () => ({ RBAC_STORE: 'pglite', RBAC_DATA_DIR: tempDir('session-races') }), cleanup: async () => {} },
  {
    name: 'PostgreSQL server',
    skip: SERVER_SKIP,
    env: async () => {
      await onRealServer((c) => c.query(`CREATE DATABASE "${database}"`));
      const own = new URL(DATABASE_URL as string);
      own.pathname = `/${database}`;
      return { RBAC_STORE: 'postgres', DATABASE_URL: own.toString() };
    },
    cleanup: () => onRealServer((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).then(() => undefined),
  },
];

for (const setup of STORES) {
  describe(`sessions racing a revoke, reset or change, reference server on ${setup.name}`, { skip: setup.skip }, () => {
    let running: RunningServer;
    const login = (name: string, password: string) => request(running.base).post('/auth/token').set(json).send({ login: name, password });
    const session = async (name: string, password: string) => (await login(name, password).expect(200)).body.token as string;
    const as = (token: string) => ({ 'X-Authentication': token });
    const current = (token: string) => request(running.base).get('/users/current').set(as(token));

    /** Runs `competitor` inside the next createSession, just before it stores: the sign-in verified, then the competitor won. */
    const beforeNextSession = (competitor: () => Promise<void>) => {
      const state = running.server.store.state;
      const original = state.createSession.bind(state);
      state.createSession = async (...args: Parameters<typeof original>) => {
        state.createSession = original;
        await competitor();
        return original(...args);
      };
    };

    let admin: string;
    let aliceId: string;
    let password = ALICE_PASSWORD;

    before(async () => {
      const seed = path.join(tempDir('session-races-seed'), 'seed.json');
      writeFileSync(seed, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD }] }));
      running = await startServer({ ...(await setup.env()), RBAC_SEED: seed });
      admin = await session('admin', ADMIN_PASSWORD);
      const users = (await request(running.base).get('/users').set(as(admin)).expect(200)).body as { id: string; login: string }[];
      aliceId = users.find((u) => u.login === 'alice')?.id as string;
    });
    after(async () => {
      await running?.close();
      await setup.cleanup();
    });

    test('a sign-in racing a revoke keeps no session, not even after the reinstate', async () => {
      beforeNextSession(async () => {
        await request(running.base).post('/command/users/revoke').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      });
      const raced = await login('alice', password);
      await request(running.base).post('/command/users/reinstate').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      if (raced.status === 200) assert.equal((await current(raced.body.token)).status, 401, 'a session started during the revoke is usable after the reinstate');
      else assert.equal(raced.status, 401);
      await login('alice', password).expect(200);
    });

    test('a sign-in with the old password racing a reset keeps no session', async () => {
      beforeNextSession(async () => {
        const token = (await request(running.base).post(`/users/${aliceId}/password/reset`).set(as(admin)).set('Accept', 'application/json').expect(200)).body.token;
        await request(running.base).post('/auth/reset').set(json).send({ token, password: NEW_PASSWORD }).expect(200);
      });
      const raced = await login('alice', password);
      password = NEW_PASSWORD;
      if (raced.status === 200) assert.equal((await current(raced.body.token)).status, 401, 'a session signed in with the old password survived the reset');
      else assert.equal(raced.status, 401);
      await login('alice', password).expect(200);
    });

    test('a sign-in with the old password racing a change keeps no session; the changer keeps theirs', async () => {
      const changer = await session('alice', password);
      const next = 'Third-Garden-Lamp-88!';
      beforeNextSession(async () => {
        await request(running.base).put('/users/current/password').set(as(changer)).set(json).send({ current_password: password, password: next }).expect(200);
      });
      const raced = await login('alice', password);
      password = next;
      if (raced.status === 200) assert.equal((await current(raced.body.token)).status, 401, 'a session signed in with the old password survived the change');
      else assert.equal(raced.status, 401);
      await current(changer).expect(200);
      await login('alice', password).expect(200);
    });

    test('a sign-in that cleared the counter and then lost its session to a revoke answers as the order sign-in, revoke does', async () => {
      await login('alice', 'Wrong-Guess-Lamp-1!').expect(401);
      const counter = async () => (await running.server.store.userStore.findById(aliceId))?.failedAttempts;
      assert.equal(await counter(), 1);
      beforeNextSession(async () => {
        await request(running.base).post('/command/users/revoke').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      });
      // The password check passed and cleared the counter; only then did the revoke commit.
      const raced = await login('alice', password);
      const cleared = await counter();
      await request(running.base).post('/command/users/reinstate').set(as(admin)).set(json).send({ user_id: aliceId }).expect(204);
      assert.equal(cleared, 0, 'the sign-in cleared the counter, so it came before the revoke');
      assert.equal(raced.status, 200, 'the sign-in that came before the revoke was refused (no order explains a 401 with a cleared counter)');
      assert.equal((await current(raced.body.token)).status, 401, 'the revoke did not end the session of the sign-in before it');
      await login('alice', password).expect(200);
    });

    test('PostgreSQL: a session check racing the end of sessions that keeps it still finds it live', { skip: setup.name !== 'PostgreSQL server' }, async () => {
      const token = await session('alice', password);
      const own = new URL(DATABASE_URL as string);
      own.pathname = `/${database}`;
      const client = new pg.Client({ connectionString: own.toString() });
      await client.connect();
      try {
        // What endSessions does for a change that keeps the caller's session, held open before its commit.
        await client.query('BEGIN');
        const { rows } = await client.query(
          `INSERT INTO rbac_server_session_generations (user_id, generation) VALUES ($1, 1)
           ON CONFLICT (user_id) DO UPDATE SET generation = rbac_server_session_generations.generation + 1 RETURNING generation`,
          [aliceId],
        );
        const tokenHash = createHash('sha256').update(token).digest('base64url');
        await client.query('UPDATE rbac_server_auth_tokens SET generation = $2 WHERE token_hash = $1', [tokenHash, (rows[0] as { generation: string }).generation]);
        // The session check waits for the row lock, then re-checks the row the commit left.
        const check = current(token).then((res) => res.status);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('COMMIT');
        assert.equal(await check, 200, 'a kept session was refused while the end of sessions that kept it committed');
      } finally {
        await client.end();
      }
    });
  });
}
