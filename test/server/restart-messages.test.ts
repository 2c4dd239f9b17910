/**
 * What the reference server says at start-up about what it did and skipped: a restart names the
 * RBAC_ADMIN_PASSWORD it ignores and counts the seed users that already exist; a seed entry for
 * "admin" is reported, not silently skipped; a seed file that is not JSON says so once, with a
 * place and without quoting the file (which holds passwords).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ALICE_PASSWORD, startServer, tempDir } from '../helpers/server.ts';

test('restarts say what they skipped; an "admin" seed entry is reported', { timeout: 120_000 }, async () => {
  const dataDir = await dataDirWithEmptyCluster('restart');
  const seed = path.join(tempDir('restart-seed'), 'seed.json');
  const users = [
    { login: 'admin', password: 'Other-Admin-Pw-9!' },
    { login: 'alice', password: ALICE_PASSWORD },
    { login: 'bob', password: 'Bob-Garden-Pw-22!' },
  ];
  writeFileSync(seed, JSON.stringify({ users }));
  const first = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_SEED: seed });
  await first.close();
  assert.ok(first.printed.includes('seed: 2 users created (alice, bob)'), first.printed.join('\n'));
  assert.ok(
    first.printed.some((line) => line.startsWith('warning: ') && line.includes('users[0] is "admin"') && line.includes('skipped')),
    first.printed.join('\n'),
  );
  assert.ok(!first.printed.some((line) => line.includes('RBAC_ADMIN_PASSWORD ignored')), 'the first start used it');

  writeFileSync(seed, JSON.stringify({ users: [...users, { login: 'carol' }] }));
  const second = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_SEED: seed });
  await second.close();
  assert.ok(
    second.printed.some((line) => line.startsWith('admin exists; RBAC_ADMIN_PASSWORD ignored')),
    second.printed.join('\n'),
  );
  assert.ok(second.printed.includes('seed: 2 users already exist, 1 created (carol)'), second.printed.join('\n'));
  assert.ok(!second.printed.some((line) => line.includes('Created the superuser')));
});

test('a seed file that is not JSON: "is not valid JSON" once, with the place, without its text', async () => {
  const seed = path.join(tempDir('seed-json'), 'seed.json');
  writeFileSync(seed, '{"users": [\n  {"login": "alice", "password": "Never-Printed-Pw-1!" x}\n]}');
  await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed }), (error: Error) => {
    assert.equal(error.message.split('is not valid JSON').length, 2, error.message);
    assert.match(error.message, /is not valid JSON \(line 2, column \d+: /);
    assert.ok(!error.message.includes('Never-Printed'), error.message);
    return true;
  });
});
