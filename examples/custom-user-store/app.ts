/**
 * Example: the router over a host's existing users table, through a custom `UserStore`.
 * Run it with `npx tsx examples/custom-user-store/app.ts`; `test/examples/examples.test.ts` drives it.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import { createPasswordRouter, MemoryTokenStore } from 'express-rbac-password';
import { LegacyUsersTable } from './legacy-table.ts';
import { LegacyUserStore } from './legacy-user-store.ts';

/** Builds the host app on the given table; the first admin may reset anyone's password. */
export async function createApp(table = new LegacyUsersTable(), tokenKey = process.env['RESET_TOKEN_SECRET'] ?? 'example-only-secret-of-at-least-32-bytes') {
  const passwords = createPasswordRouter({
    userStore: new LegacyUserStore(table),
    tokenStore: new MemoryTokenStore(),
    authorizer: {
      // This host authenticates with a bearer header naming the user (a stand-in for its real scheme).
      authenticate: (req) => {
        const row = table.byUsername(req.get('authorization')?.replace(/^Demo /, '') ?? '');
        return row === undefined ? null : { userId: row.uuid };
      },
      canResetPassword: (principal) => table.rows.get(principal.userId)?.username === 'admin',
    },
    tokenKey,
    bcryptCost: 4, // demo speed; keep the default (12) in production
  });
  if (table.rows.size === 0) {
    table.insert({ uuid: randomUUID(), username: 'admin', pw_hash: await passwords.service.hashPassword('Admin-Pa55word-2026') });
    table.insert({ uuid: randomUUID(), username: 'alice', pw_hash: await passwords.service.hashPassword('First-Pa55word-2026') });
  }
  const app = express();
  app.use('/rbac-api/v1', passwords);
  return { app, passwords, table };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await createApp();
  app.listen(Number(process.env['PORT'] ?? 3000), () => console.log('custom-user-store example listening'));
}
