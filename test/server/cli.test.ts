/**
 * The CLI against a PGlite data directory that the server created and then released. The commands
 * run in-process through `runCli` with the environment and piped stdin a child would get (each
 * spawn cost seconds of start-up); two runs go through the package's bin in a child process, so
 * the bin, real stdout/stderr, the exit code and the lock between processes stay covered.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, NEW_PASSWORD, runBinProcess, runCliInProcess, startServer } from '../helpers/server.ts';

// The server's first start on a bare directory is readme-shell's; here it starts on an empty cluster.
const dataDir = await dataDirWithEmptyCluster('cli');
const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4', RBAC_PUBLIC_URL: 'https://rbac.example.test/rbac-api/v1/reset-password' };
const cli = (args: string[], stdin?: string) => runCliInProcess(args, env, stdin);

before(async () => {
  // The server creates the tables and the admin, and must hold the data directory while running.
  const running = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_FAILED_ATTEMPTS_LOCKOUT: '2' });
  try {
    // Another process: the lock keeps out other processes only (and this one holds the server).
    const busy = await runBinProcess(['unlock', '--login', 'admin'], env);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /in use by process \d+/);
    for (let i = 0; i < 2; i++)
      await request(running.base).post('/auth/token').set('Content-Type', 'application/json').send({ login: 'admin', password: 'Wrong-Password-1!' }).expect(401);
  } finally {
    await running.close();
  }
});

test('--help, unknown commands and options, passwords on argv', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['set-password', 'create-user', 'issue-reset-token', 'unlock', 'migrate', 'purge-expired']) assert.ok(help.stdout.includes(command));
  const spawned = await runBinProcess(['--help'], env);
  assert.deepEqual([spawned.code, spawned.stdout, spawned.stderr], [0, help.stdout, '']);
  assert.equal((await cli(['frobnicate'])).code, 2);
  const typo = await cli(['unlok', '--login', 'admin']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command "unlok"\. Did you mean unlock\?/);
  assert.equal((await cli(['unlock'])).code, 2);
  assert.equal((await cli(['unlock', '--login', 'admin', '--bogus'])).code, 2);
  const argvPassword = await cli(['set-password', '--login', 'admin', '--password', 'X']);
  assert.equal(argvPassword.code, 2);
  assert.match(argvPassword.stderr, /never taken from the command line/);
});

test('the admin story: unknown login, unlock, issue a token, set a password against the policy', async () => {
  const unknown = await cli(['unlock', '--login', 'nobody']);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /no user with login "nobody"/);

  assert.equal((await cli(['unlock', '--login', 'admin'])).code, 0);

  const issued = await cli(['issue-reset-token', '--login', 'admin', '--json']);
  assert.equal(issued.code, 0, issued.stderr);
  const { token, link } = JSON.parse(issued.stdout) as { token: string; link: string };
  assert.equal(link, `https://rbac.example.test/rbac-api/v1/reset-password#token=${token}`);

  const weak = await cli(['set-password', '--login', 'admin'], 'weak\n');
  assert.equal(weak.code, 4);
  assert.match(weak.stderr, /at least 12 characters/);

  const set = await cli(['set-password', '--login', 'admin'], `${NEW_PASSWORD}\n`);
  assert.equal(set.code, 0, set.stderr);
  assert.equal((await cli(['purge-expired'])).code, 0);

  // Back on the server: unlocked, new password works, old one not, the CLI's token died with the change.
  const running = await startServer({ RBAC_DATA_DIR: dataDir });
  try {
    const api = request(running.base);
    await api.post('/auth/token').set('Content-Type', 'application/json').send({ login: 'admin', password: ADMIN_PASSWORD }).expect(401);
    await api.post('/auth/token').set('Content-Type', 'application/json').send({ login: 'admin', password: NEW_PASSWORD }).expect(200);
    await api.post('/auth/reset').set('Content-Type', 'application/json').send({ token, password: 'Yet-Another-Pw-55!' }).expect(403);
  } finally {
    await running.close();
  }
});

test('create-user: the login rules (taken included), then the policy, then the user signs in', async () => {
  const short = await cli(['create-user', '--login', 'bob'], `${NEW_PASSWORD}\n`);
  assert.equal(short.code, 5);
  assert.match(short.stderr, /the login "bob" cannot be used:\n {2}- Login must be at least 6 characters long\./);
  const weak = await cli(['create-user', '--login', 'operator'], 'weak\n');
  assert.equal(weak.code, 4);
  assert.match(weak.stderr, /at least 12 characters/);
  const created = await cli(['create-user', '--login', 'operator', '--superuser'], `${NEW_PASSWORD}\n`);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created the superuser "operator"/);
  const again = await cli(['create-user', '--login', 'operator'], `${NEW_PASSWORD}\n`);
  assert.equal(again.code, 5);
  assert.match(again.stderr, /Login is already taken\./);

  const running = await startServer({ RBAC_DATA_DIR: dataDir });
  try {
    const api = request(running.base);
    const token = (await api.post('/auth/token').set('Content-Type', 'application/json').send({ login: 'operator', password: NEW_PASSWORD }).expect(200)).body.token as string;
    const current = (await api.get('/users/current').set('X-Authentication', token).expect(200)).body as { login: string; is_superuser: boolean };
    assert.deepEqual([current.login, current.is_superuser], ['operator', true]);
  } finally {
    await running.close();
  }
});

test('commands on an empty data directory ask for migrate first', async () => {
  const empty = { ...env, RBAC_DATA_DIR: await dataDirWithEmptyCluster('cli-empty') };
  const result = await runCliInProcess(['unlock', '--login', 'admin'], empty);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /migrate/);
});
