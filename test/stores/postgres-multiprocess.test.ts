/**
 * Two instances of an app (two Node processes, each with its own pool) on one database: single
 * use and lockout must hold across both, which only the database can make true.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createBcryptHasher } from '../../lib/index.ts';
import { createPostgresStores } from '../../lib/postgres/index.ts';
import { DATABASE_URL, SERVER_SKIP, openServerRun, type ServerRun } from '../helpers/postgres-fixtures.ts';

const instanceScript = fileURLToPath(new URL('../helpers/pg-app-instance.ts', import.meta.url));
const GOOD = 'Correct-Horse-42-Battery';

async function startInstance(schema: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', instanceScript], {
    env: { ...process.env, DATABASE_URL, PG_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    const match = /listening (\d+)/.exec(output);
    if (match) return { child, url: `http://127.0.0.1:${match[1]}` };
  }
  throw new Error(`instance exited before listening: ${output}`);
}

describe('two app instances on one PostgreSQL database', { skip: SERVER_SKIP }, () => {
  let run: ServerRun;
  const instances: Array<{ child: ChildProcess; url: string }> = [];
  let adminId = '';
  let aliceId = '';
  let stores: ReturnType<typeof createPostgresStores>;

  before(async () => {
    run = await openServerRun();
    stores = createPostgresStores(run.pool, { schema: run.schema, createUsersTable: true });
    await stores.migrate();
    const hash = await createBcryptHasher({ cost: 4 }).hash(GOOD);
    adminId = (await stores.userStore.createUser({ login: 'admin', passwordHash: hash })).id;
    aliceId = (await stores.userStore.createUser({ login: 'alice', passwordHash: hash })).id;
    instances.push(await startInstance(run.schema), await startInstance(run.schema));
  });

  after(async () => {
    for (const { child } of instances) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
    await run?.end();
  });

  const at = (i: number) => (instances[i % instances.length] as { url: string }).url;

  it('40 concurrent redemptions of one token, split across both, give exactly one 200', async () => {
    const issued = await request(at(0)).post(`/rbac-api/v1/users/${aliceId}/password/reset`).set('X-Authentication', `admin:${adminId}`).expect(200);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(at(i))
          .post('/rbac-api/v1/auth/reset')
          .send({ token: issued.text, password: `Concurrent-Pa55word-${i}!` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 403).length, 39, statuses.join(','));
    const winner = statuses.indexOf(200);
    const user = await stores.userStore.findById(aliceId);
    assert.equal(await createBcryptHasher({ cost: 4 }).verify(`Concurrent-Pa55word-${winner}!`, user?.passwordHash ?? ''), true);
  });

  it('20 concurrent wrong current passwords, split across both, lock the account at exactly 10', async () => {
    const bob = await stores.userStore.createUser({ login: 'bob', passwordHash: await createBcryptHasher({ cost: 4 }).hash(GOOD) });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(at(i))
          .put('/rbac-api/v1/users/current/password')
          .set('X-Authentication', bob.id)
          .send({ current_password: `Wrong-${i}-Password!`, password: 'Another-Strong-Pa55word!' }),
      ),
    );
    assert.ok(
      results.every((r) => r.status === 403 || r.status === 401),
      results.map((r) => r.status).join(','),
    );
    const after = await stores.userStore.findById(bob.id);
    assert.equal(after?.isRevoked, true);
    assert.equal(after?.failedAttempts, 10);
    const refused = await request(at(1))
      .put('/rbac-api/v1/users/current/password')
      .set('X-Authentication', bob.id)
      .send({ current_password: GOOD, password: 'Another-Strong-Pa55word!' })
      .expect(401);
    assert.equal(refused.body.kind, 'puppetlabs.rbac/user-revoked');
  });
});
