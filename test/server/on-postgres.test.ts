/**
 * The reference server and its CLI on a real PostgreSQL server (DATABASE_URL), in a database of
 * their own created for this run: two instances share users, the signing secret and single use;
 * the CLI works next to the running servers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { onRealServer, SERVER_SKIP } from '../helpers/postgres-fixtures.ts';
import { ADMIN_PASSWORD, NEW_PASSWORD, runCliInProcess, startServer, type RunningServer } from '../helpers/server.ts';

const DATABASE_URL = process.env['DATABASE_URL'];
const database = `rbac_server_${process.pid}`;
let url = '';
const servers: RunningServer[] = [];

const admin = onRealServer;

before(async () => {
  if (SERVER_SKIP !== false || DATABASE_URL === undefined) return;
  await admin((c) => c.query(`CREATE DATABASE "${database}"`));
  const own = new URL(DATABASE_URL);
  own.pathname = `/${database}`;
  url = own.toString();
  // Two instances behind one (imaginary) load balancer, started one after the other.
  servers.push(await startServer({ DATABASE_URL: url }), await startServer({ DATABASE_URL: url }));
});

after(async () => {
  for (const running of servers) await running.close();
  if (url !== '') await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
});

const json = { 'Content-Type': 'application/json' };

test('two server instances on one PostgreSQL database share users, the signing key and single use', { skip: SERVER_SKIP }, async () => {
  const [a, b] = servers as [RunningServer, RunningServer];
  assert.ok(
    a.printed.some((line) => line.includes('RBAC_ADMIN_PASSWORD')),
    'the first instance creates admin',
  );
  assert.ok(!b.printed.some((line) => line.includes('Created')), 'the second instance finds admin');
  const token = (await request(a.base).post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token as string;
  const me = await request(b.base).get('/users/current').set('X-Authentication', token).expect(200);
  const issued = await request(a.base).post(`/users/${me.body.id}/password/reset`).set('X-Authentication', token).expect(200);
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(i % 2 === 0 ? a.base : b.base)
        .post('/auth/reset')
        .set(json)
        .send({ token: issued.text, password: NEW_PASSWORD }),
    ),
  );
  assert.deepEqual(answers.map((r) => r.status).sort(), [200, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
  await request(b.base).post('/auth/token').set(json).send({ login: 'admin', password: NEW_PASSWORD }).expect(200);
});

test('the CLI works on DATABASE_URL while the servers run', { skip: SERVER_SKIP }, async () => {
  const env = { DATABASE_URL: url, RBAC_BCRYPT_COST: '4' };
  const issued = await runCliInProcess(['issue-reset-token', '--login', 'admin', '--json'], env);
  assert.equal(issued.code, 0, issued.stderr);
  const { token } = JSON.parse(issued.stdout) as { token: string };
  const [a] = servers as [RunningServer];
  await request(a.base).post('/auth/reset').set(json).send({ token, password: 'Set-From-The-Cli-42!' }).expect(200);
  const unknown = await runCliInProcess(['unlock', '--login', 'nobody'], env);
  assert.equal(unknown.code, 3);
});
