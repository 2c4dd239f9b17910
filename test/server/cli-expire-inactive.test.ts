/**
 * The CLI's `expire-inactive [--dry-run] [--json]` against a PGlite data directory the server
 * created: a dry run lists and changes nothing, the sweep revokes the idle non-superusers (never
 * the superuser admin), and the server then answers them as unknown logins until `unlock`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import request from 'supertest';
import { openPglite } from '../../examples/server/storage/database.ts';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, runCliInProcess, startServer, tempDir } from '../helpers/server.ts';

const dataDir = await dataDirWithEmptyCluster('cli-expire');
const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4', RBAC_ACCOUNT_EXPIRY_DAYS: '30' };
const cli = (args: string[], extra: Record<string, string> = {}) => runCliInProcess(args, { ...env, ...extra });
const json = { 'Content-Type': 'application/json' };

before(async () => {
  const seed = path.join(tempDir('cli-expire'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: ['alice', 'bob', 'carol'].map((login) => ({ login, password: ALICE_PASSWORD })) }));
  await (await startServer({ RBAC_DATA_DIR: dataDir, RBAC_SEED: seed })).close();
  // Make alice, bob and the admin look idle for 100 days (every time the account is measured from); carol stays fresh.
  const db = await openPglite(dataDir);
  try {
    const old = "now() - interval '100 days'";
    const idle = "('alice', 'bob', 'admin')";
    await db.client.query(`UPDATE users SET created_at = ${old}, last_login = NULL WHERE login IN ${idle}`);
    await db.client.query(
      `UPDATE rbac_password_user_state SET password_changed_at = ${old}, last_login = NULL WHERE user_id IN (SELECT id::text FROM users WHERE login IN ${idle})`,
    );
  } finally {
    await db.close();
  }
});

test('without RBAC_ACCOUNT_EXPIRY_DAYS it is a usage error; bad flags too', async () => {
  const off = await cli(['expire-inactive'], { RBAC_ACCOUNT_EXPIRY_DAYS: '' });
  assert.equal(off.code, 2);
  assert.match(off.stderr, /needs RBAC_ACCOUNT_EXPIRY_DAYS/);
  assert.equal((await cli(['expire-inactive', '--login', 'alice'])).code, 2);
  const bad = await cli(['expire-inactive'], { RBAC_ACCOUNT_EXPIRY_DAYS: 'soon' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /RBAC_ACCOUNT_EXPIRY_DAYS/);
  assert.match((await cli(['--help'])).stdout, /expire-inactive \[--dry-run\] \[--json\]/);
});

test('--dry-run lists the idle non-superusers and changes nothing; the sweep revokes them; unlock brings one back', async () => {
  const dry = await cli(['expire-inactive', '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const listed = JSON.parse(dry.stdout) as { dry_run: boolean; cutoff: string; accounts: { id: string; login: string }[] };
  assert.equal(listed.dry_run, true);
  assert.deepEqual(listed.accounts.map((a) => a.login).sort(), ['alice', 'bob']);
  const text = await cli(['expire-inactive', '--dry-run']);
  assert.match(text.stdout, /^Would revoke 2 account\(s\) not signed in since .*: alice, bob$/m);

  const running = await startServer({ RBAC_DATA_DIR: dataDir });
  try {
    // Nothing changed: a sign-in is what would expire them now, and this server has no RBAC_ACCOUNT_EXPIRY_DAYS.
    await request(running.base).post('/auth/token').set(json).send({ login: 'alice', password: ALICE_PASSWORD }).expect(200);
  } finally {
    await running.close();
  }

  const swept = await cli(['expire-inactive']);
  assert.equal(swept.code, 0, swept.stderr);
  // alice signed in just now (on the server above), so only bob is left idle.
  assert.match(swept.stdout, /^Revoked 1 account\(s\) not signed in since .*: bob$/m);
  assert.match(swept.stdout, /unlock/);
  assert.match((await cli(['expire-inactive'])).stdout, /^Revoked 0 account\(s\)/m);

  const again = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_ACCOUNT_EXPIRY_DAYS: '30' });
  try {
    const api = request(again.base);
    const unknown = await api.post('/auth/token').set(json).send({ login: 'nobody', password: ALICE_PASSWORD }).expect(401);
    const bob = await api.post('/auth/token').set(json).send({ login: 'bob', password: ALICE_PASSWORD }).expect(401);
    assert.deepEqual(bob.body, unknown.body, 'a revoked-for-inactivity account answers as an unknown login');
    // The superuser is never expired, however idle.
    await api.post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200);
  } finally {
    await again.close();
  }
  assert.equal((await cli(['unlock', '--login', 'bob'])).code, 0);
  const back = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_ACCOUNT_EXPIRY_DAYS: '30' });
  try {
    await request(back.base).post('/auth/token').set(json).send({ login: 'bob', password: ALICE_PASSWORD }).expect(200);
  } finally {
    await back.close();
  }
});
