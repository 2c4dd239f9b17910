/**
 * A database that is down or never answers makes store calls reject, bounded by the pool's
 * connectionTimeoutMillis, instead of hanging the request.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPostgresStores } from '../../lib/postgres/index.ts';
import { freePort } from '../helpers/ports.ts';

describe('PostgreSQL adapter with the database unavailable', () => {
  let silent: Server;
  let silentPort = 0;
  let closedPort = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    // A port that accepts connections and never answers: a hung server.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    // A port nothing listens on: a server that is down.
    closedPort = await freePort();
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  for (const [label, port] of [
    ['down (connection refused)', () => closedPort],
    ['hung (accepts, never answers)', () => silentPort],
  ] as const) {
    test(`store calls reject within connectionTimeoutMillis when the server is ${label}`, async () => {
      const pool = new pg.Pool({ host: '127.0.0.1', port: port(), user: 'postgres', database: 'test', connectionTimeoutMillis: 300 });
      pool.on('error', () => {});
      const { userStore, tokenStore } = createPostgresStores(pool);
      try {
        const started = Date.now();
        // Plain statements go through pool.query, transactions through pool.connect: both must give up.
        await Promise.all([
          assert.rejects(userStore.findById(randomUUID())),
          assert.rejects(async () => userStore.recordFailedAttempt(randomUUID(), { threshold: 3, action: { mode: 'revoke' }, now: new Date() })),
          assert.rejects(tokenStore.redeem('x', new Date(), async () => {})),
          assert.rejects(tokenStore.issue({ id: 'x', userId: randomUUID(), issuedAt: new Date(), expiresAt: new Date(), issuedBy: null, passwordStamp: 's' })),
        ]);
        assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      } finally {
        await pool.end();
      }
    });
  }
});
