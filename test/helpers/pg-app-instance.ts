/**
 * One instance of a host app on PostgreSQL, run as its own process by the multi-process test:
 * its own pg Pool, the router, and a trusting test authorizer (`X-Authentication: <user id>`,
 * `admin:` prefix for reset permission). Prints `listening <port>` when ready.
 */
import express from 'express';
import pg from 'pg';
import { createBcryptHasher, createPasswordRouter } from '../../lib/index.ts';
import { createPostgresStores } from '../../lib/postgres/index.ts';

const url = process.env['DATABASE_URL'];
const schema = process.env['PG_SCHEMA'];
if (url === undefined || schema === undefined) throw new Error('DATABASE_URL and PG_SCHEMA are required');

const pool = new pg.Pool({ connectionString: url, max: 10 });
const stores = createPostgresStores(pool, { schema, createUsersTable: true });
const router = createPasswordRouter({
  userStore: stores.userStore,
  tokenStore: stores.tokenStore,
  authorizer: {
    authenticate: (req) => {
      const header = req.get('x-authentication') ?? '';
      if (header === '') return null;
      return header.startsWith('admin:') ? { userId: header.slice(6), admin: true } : { userId: header, admin: false };
    },
    canResetPassword: (principal) => (principal as { admin?: boolean }).admin === true,
  },
  tokenKey: process.env['TOKEN_SECRET'] ?? 'multi-process-shared-secret-0123456789',
  hasher: createBcryptHasher({ cost: 4 }),
  failedAttemptsLockout: 10,
});
const app = express();
app.use('/rbac-api/v1', router);
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
});
