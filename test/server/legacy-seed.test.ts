/**
 * The reference server imports users with existing hashes (`password_hash` in RBAC_SEED): they
 * sign in with their old password through /auth/token and are upgraded to primary bcrypt.
 */
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { NEW_PASSWORD, ROOT, runCliInProcess, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const OLD = 'Imported-Pa55word-1!';
const salt = randomBytes(16);
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
const HASHES = {
  django: `pbkdf2_sha256$1000$importsalt$${pbkdf2Sync(OLD, 'importsalt', 1000, 32, 'sha256').toString('base64')}`,
  scrypt: `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(scryptSync(OLD, salt, 32, { N: 1024, r: 8, p: 1 }))}`,
};

describe('reference server: RBAC_SEED with password_hash', () => {
  let running: RunningServer;
  const dir = tempDir('legacy-seed');
  const seed = path.join(dir, 'seed.json');
  before(async () => {
    writeFileSync(
      seed,
      JSON.stringify({
        users: [
          { login: 'dora', password_hash: HASHES.django },
          { login: 'sam', password_hash: HASHES.scrypt },
        ],
      }),
    );
    running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
  });
  after(() => running?.close());

  it('imported users sign in with their old password, a wrong one fails, and the hash is upgraded', async () => {
    for (const login of ['dora', 'sam']) {
      await request(running.base).post('/auth/token').send({ login, password: 'Wrong-Pa55word-1!' }).expect(401);
      await request(running.base).post('/auth/token').send({ login, password: OLD }).expect(200);
      await running.server.router.service.hashUpgradesSettled();
      const user = await running.server.store.userStore.findByLogin?.(login);
      assert.match(user?.passwordHash ?? '', /^\$2b\$04\$/, `${login} was not upgraded`);
      await request(running.base).post('/auth/token').send({ login, password: OLD }).expect(200);
    }
  });

  it('refuses a hash in no known format, and a user with both password and password_hash, without echoing the hash', async () => {
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ users: [{ login: 'x', password_hash: 'md5$5f4dcc3b5aa765d61d8327deb882cf99' }] }));
    await assert.rejects(
      startServer({ RBAC_STORE: 'memory', RBAC_SEED: unknown }),
      (e: Error) => e.message.includes('users[0].password_hash is in no format') && !e.message.includes('5f4dcc3b'),
    );
    const both = path.join(dir, 'both.json');
    writeFileSync(both, JSON.stringify({ users: [{ login: 'x', password: OLD, password_hash: HASHES.django }] }));
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_SEED: both }), /has both password and password_hash/);
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_LEGACY_HASHES: 'md5' }), /RBAC_LEGACY_HASHES must list schemes/);
  });

  it("the walk-through's seed.example.json: dora signs in with her imported Django hash", async () => {
    const example = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: path.join(ROOT, 'examples', 'server', 'seed.example.json') });
    try {
      await request(example.base).post('/auth/token').send({ login: 'dora', password: 'Old-Django-Pw-7%' }).expect(200);
      await example.server.router.service.hashUpgradesSettled();
      assert.match((await example.server.store.userStore.findByLogin?.('dora'))?.passwordHash ?? '', /^\$2b\$04\$/);
    } finally {
      await example.close();
    }
  });

  it("the CLI's set-password on an imported user: the legacy password counts as reused, the new one is stored as primary bcrypt", async () => {
    const dataDir = await dataDirWithEmptyCluster('legacy-cli');
    const first = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_SEED: seed });
    await first.close();
    const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4' };
    const reused = await runCliInProcess(['set-password', '--login', 'dora'], env, `${OLD}\n`);
    assert.notEqual(reused.code, 0);
    assert.match(reused.stderr, /must not be the current password/);
    const set = await runCliInProcess(['set-password', '--login', 'dora'], env, `${NEW_PASSWORD}\n`);
    assert.equal(set.code, 0, set.stderr);
    const again = await startServer({ RBAC_DATA_DIR: dataDir });
    try {
      assert.match((await again.server.store.userStore.findByLogin?.('dora'))?.passwordHash ?? '', /^\$2b\$04\$/);
      await request(again.base).post('/auth/token').send({ login: 'dora', password: NEW_PASSWORD }).expect(200);
    } finally {
      await again.close();
    }
  });
});
