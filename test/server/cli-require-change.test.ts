/**
 * The CLI's `require-change` and `set-password` with `RBAC_RESET_REQUIRES_CHANGE`, against a PGlite
 * data directory the server created, then back on the server: the right password answers 401
 * `password-change-required` until the user changes it with `POST /auth/change-password`.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, NEW_PASSWORD, runCliInProcess, startServer } from '../helpers/server.ts';

const dataDir = await dataDirWithEmptyCluster('cli-require-change');
const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4' };
const cli = (args: string[], stdin?: string, extra: Record<string, string> = {}) => runCliInProcess(args, { ...env, ...extra }, stdin);
const json = { 'Content-Type': 'application/json' };

before(async () => {
  // The server creates the tables and the admin.
  await (await startServer({ RBAC_DATA_DIR: dataDir })).close();
});

async function onServer(check: (api: ReturnType<typeof request>) => Promise<void>): Promise<void> {
  const running = await startServer({ RBAC_DATA_DIR: dataDir });
  try {
    await check(request(running.base));
  } finally {
    await running.close();
  }
}

test('require-change: usage errors, unknown login, then the admin must change the password at the next sign-in', async () => {
  const help = await cli(['--help']);
  assert.match(help.stdout, /require-change --login <login>/);
  assert.equal((await cli(['require-change'])).code, 2);
  const unknown = await cli(['require-change', '--login', 'nobody']);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /no user with login "nobody"/);

  const done = await cli(['require-change', '--login', 'admin']);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /"admin" must choose a new password at the next sign-in/);

  await onServer(async (api) => {
    const refused = await api.post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(401);
    assert.equal(refused.body.kind, 'puppetlabs.rbac/password-change-required');
    await api.post('/auth/change-password').set(json).send({ login: 'admin', current_password: ADMIN_PASSWORD, password: NEW_PASSWORD }).expect(200);
    await api.post('/auth/token').set(json).send({ login: 'admin', password: NEW_PASSWORD }).expect(200);
  });
});

test('set-password with RBAC_RESET_REQUIRES_CHANGE sets a temporary password; without it, it signs in', async () => {
  const temporary = 'Temporary-Pass-Word-31!';
  const set = await cli(['set-password', '--login', 'admin'], `${temporary}\n`, { RBAC_RESET_REQUIRES_CHANGE: 'true' });
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /temporary password/);
  await onServer(async (api) => {
    const refused = await api.post('/auth/token').set(json).send({ login: 'admin', password: temporary }).expect(401);
    assert.equal(refused.body.kind, 'puppetlabs.rbac/password-change-required');
  });

  const plain = 'Permanent-Pass-Word-32!';
  const again = await cli(['set-password', '--login', 'admin'], `${plain}\n`);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /temporary/);
  await onServer(async (api) => {
    await api.post('/auth/token').set(json).send({ login: 'admin', password: plain }).expect(200);
  });
});

test('a bad RBAC_PASSWORD_MAX_AGE_DAYS or RBAC_RESET_REQUIRES_CHANGE is refused as a usage error', async () => {
  for (const extra of [{ RBAC_PASSWORD_MAX_AGE_DAYS: '0' }, { RBAC_PASSWORD_MAX_AGE_DAYS: 'ninety' }, { RBAC_RESET_REQUIRES_CHANGE: 'maybe' }]) {
    const result = await cli(['require-change', '--login', 'admin'], undefined, extra);
    assert.equal(result.code, 2, JSON.stringify(extra));
    assert.match(result.stderr, new RegExp(Object.keys(extra)[0] as string));
  }
});
