/**
 * The router on the PostgreSQL adapter: the whole reset story on PGlite (always), and a database
 * that is down answering 503 within the store timeout.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { createBcryptHasher, createPasswordRouter, type Principal } from '../../lib/index.ts';
import { createPostgresStores } from '../../lib/postgres/index.ts';
import { closePglite, sharedPglite, storesInFreshSchema } from '../helpers/postgres-fixtures.ts';

after(closePglite);

const GOOD = 'Correct-Horse-42-Battery';
const NEW = 'Another-Strong-Pa55word!';
const hasher = createBcryptHasher({ cost: 4 });
const authorizer = {
  authenticate: (req: express.Request): (Principal & { admin: boolean }) | null => {
    const header = req.get('x-authentication') ?? '';
    if (header === '') return null;
    return header.startsWith('admin:') ? { userId: header.slice(6), admin: true } : { userId: header, admin: false };
  },
  canResetPassword: (principal: Principal & { admin: boolean }) => principal.admin,
};

function appOn(stores: ReturnType<typeof createPostgresStores>, storeTimeoutMs = 5000) {
  const app = express();
  app.use(
    '/rbac-api/v1',
    createPasswordRouter({ userStore: stores.userStore, tokenStore: stores.tokenStore, authorizer, tokenKey: 'postgres-router-test-secret-0123456789', hasher, storeTimeoutMs }),
  );
  return app;
}

describe('the router on PostgreSQL (PGlite)', () => {
  it('issues, redeems once, reinstates, keeps history, and refuses the used and superseded tokens', async () => {
    const { stores, cleanup } = await storesInFreshSchema(await sharedPglite());
    try {
      const app = appOn(stores);
      const admin = await stores.userStore.createUser({ login: 'admin', passwordHash: await hasher.hash(GOOD) });
      const alice = await stores.userStore.createUser({ login: 'alice', passwordHash: await hasher.hash(GOOD) });
      // Revoked by the lockout, which a reset lifts (an administrator's revocation would stay).
      await stores.userStore.recordFailedAttempt(alice.id, { threshold: 1, action: { mode: 'revoke' }, now: new Date() });
      const issue = () => request(app).post(`/rbac-api/v1/users/${alice.id}/password/reset`).set('X-Authentication', `admin:${admin.id}`).expect(200);
      const older = (await issue()).text;
      const token = (await issue()).text;
      await request(app).post('/rbac-api/v1/auth/reset').send({ token: older, password: NEW }).expect(403);
      await request(app).post('/rbac-api/v1/auth/reset').send({ token, password: NEW }).expect(200);
      await request(app).post('/rbac-api/v1/auth/reset').send({ token, password: 'Third-Strong-Pa55word!' }).expect(403);
      const after = await stores.userStore.findById(alice.id);
      assert.equal(after?.isRevoked, false);
      assert.equal(await hasher.verify(NEW, after?.passwordHash ?? ''), true);
      assert.equal((await stores.userStore.getPasswordHistory(alice.id, 5)).length, 1);
      const reuse = await request(app).put('/rbac-api/v1/users/current/password').set('X-Authentication', alice.id).send({ current_password: NEW, password: GOOD }).expect(400);
      assert.equal(reuse.body.details.failures[0].rule, 'password-reused');
    } finally {
      await cleanup();
    }
  });
});

describe('a database that is down', () => {
  it('answers 503 server-error within the configured timeout', async () => {
    // A port that accepts connections and never answers: the slowest kind of "down".
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    // The pool would wait 10 s for a connection: the 503 must come from storeTimeoutMs (300 ms) long before.
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', connectionTimeoutMillis: 10_000 });
    pool.on('error', () => {});
    try {
      const app = appOn(createPostgresStores(pool, { createUsersTable: true }), 300);
      const started = Date.now();
      const res = await request(app).post('/rbac-api/v1/auth/reset').send({ token: 'x.y.z', password: NEW });
      // A malformed token is refused before any store call, so use a principal that needs the store.
      assert.equal(res.status, 403);
      const down = await request(app)
        .post('/rbac-api/v1/users/0b7ad8d4-2a0e-4c55-9d0e-6a3c1d2b9f10/password/reset')
        .set('X-Authentication', 'admin:0b7ad8d4-2a0e-4c55-9d0e-6a3c1d2b9f11');
      assert.equal(down.status, 503);
      assert.equal(down.body.kind, 'puppetlabs.rbac/server-error');
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    } finally {
      // Hang up on the pool's pending connection, which would otherwise hold this file open for the full 10 s.
      for (const socket of sockets) socket.destroy();
      silent.close();
      void pool.end().catch(() => {});
    }
  });
});
