/**
 * kill -9 on PGlite (issue 25, part 3): the server's process group is killed with SIGKILL right
 * after it acknowledged a password change and a reset; it leaves its lock file behind, and the
 * next `npm start` on the same data directory starts with no manual cleanup, the change and the
 * reset both sign in, the old password does not, and the redeemed reset token is still refused.
 * The long, randomised version of this is `npm run soak` (bench/crash-soak.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startServerGroup } from '../../bench/support/server-group.ts';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, BASE_ENV, NEW_PASSWORD, tempDir } from '../helpers/server.ts';

async function send(url: string, method: string, body?: unknown, auth?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', ...(auth === undefined ? {} : { 'x-authentication': auth }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

test('SIGKILL after acknowledged writes on PGlite: the restart needs no cleanup and keeps them', { timeout: 120_000 }, async () => {
  const dataDir = await dataDirWithEmptyCluster('crash');
  const seed = path.join(tempDir('crash-seed'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD }] }));
  const env = { ...BASE_ENV, RBAC_STORE: 'pglite', RBAC_DATA_DIR: dataDir, RBAC_SEED: seed };
  const first = await startServerGroup(env);
  let resetToken: string;
  const alicePassword = 'Crash-Reset-Pw-42!';
  try {
    const admin = await send(`${first.base}/auth/token`, 'POST', { login: 'admin', password: ADMIN_PASSWORD });
    const adminToken = String(admin.body['token']);
    const users = (await send(`${first.base}/users`, 'GET', undefined, adminToken)).body as unknown as Array<{ login: string; id: string }>;
    const alice = users.find((user) => user.login === 'alice')?.id as string;
    resetToken = String((await send(`${first.base}/users/${alice}/password/reset`, 'POST', undefined, adminToken)).body['token']);
    assert.equal((await send(`${first.base}/auth/reset`, 'POST', { token: resetToken, password: alicePassword })).status, 200);
    const changed = await send(`${first.base}/users/current/password`, 'PUT', { current_password: ADMIN_PASSWORD, password: NEW_PASSWORD }, adminToken);
    assert.equal(changed.status, 200);
  } finally {
    await first.kill();
  }
  assert.ok(existsSync(path.join(dataDir, 'lock')), 'the killed server left its lock file: the restart must take it over');

  const second = await startServerGroup(env);
  try {
    assert.equal((await send(`${second.base}/auth/token`, 'POST', { login: 'admin', password: NEW_PASSWORD })).status, 200, 'the acknowledged change');
    assert.equal((await send(`${second.base}/auth/token`, 'POST', { login: 'admin', password: ADMIN_PASSWORD })).status, 401);
    assert.equal((await send(`${second.base}/auth/token`, 'POST', { login: 'alice', password: alicePassword })).status, 200, 'the acknowledged reset');
    const again = await send(`${second.base}/auth/reset`, 'POST', { token: resetToken, password: 'Another-Crash-Pw-43!' });
    assert.equal(again.status, 403, 'the redeemed token stays refused');
    assert.equal(again.body['kind'], 'puppetlabs.rbac/invalid-token');
  } finally {
    second.terminate();
    await second.exited;
  }
});
