/**
 * The reference server's PGlite starts with its own settings (pgliteStartParams: a 32 MB buffer
 * pool, which makes every open of a data directory about 40% cheaper), on a new data directory
 * and on an existing one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPglite } from '../../examples/server/storage/database.ts';
import { tempDir } from '../helpers/server.ts';

test('PGlite opens a new and then an existing data directory with a 32 MB buffer pool', async () => {
  const dataDir = tempDir('pglite-settings');
  for (const open of ['new', 'existing']) {
    const db = await openPglite(dataDir);
    try {
      const { rows } = await db.client.query('SHOW shared_buffers');
      assert.deepEqual(rows, [{ shared_buffers: '32MB' }], `${open} data directory`);
    } finally {
      await db.close();
    }
  }
});
