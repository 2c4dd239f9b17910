/**
 * An empty PGlite cluster made once and copied, so test files do not each pay for PGlite's initdb
 * (3 to 10 s on a busy 2-core machine, against 0.2 s to copy or 1.5 s to load a dump). The
 * template holds nothing of ours: no table, no user, just what `PGlite.create()` makes of an empty
 * directory. It is built once per PGlite version in the OS's temp directory, atomically (built
 * aside, then renamed), so parallel test files and later runs share it.
 *
 * The reference server's first start on a data directory without a cluster stays covered by
 * readme-shell, which runs both READMEs' `npm start` on a bare temporary directory.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from '../../examples/server/storage/database.ts';
import { ROOT, tempDir } from './server.ts';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
const TEMPLATE = path.join(os.tmpdir(), `rbac-pglite-template-${VERSION}`);
const CLUSTER = path.join(TEMPLATE, 'cluster');
const DUMP = path.join(TEMPLATE, 'cluster.tar');

let ready: Promise<void> | undefined;

/** Builds the template unless a finished one is there (only a finished one ever has the final name). */
function template(): Promise<void> {
  ready ??= (async () => {
    if (existsSync(DUMP)) return;
    const building = mkdtempSync(`${TEMPLATE}.building-`);
    try {
      const db = await PGlite.create(path.join(building, 'cluster'));
      const dump = await db.dumpDataDir('none');
      await db.close();
      writeFileSync(path.join(building, 'cluster.tar'), Buffer.from(await dump.arrayBuffer()));
      renameSync(building, TEMPLATE);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      // Another test file renamed its copy first: use that one.
      if (!existsSync(DUMP)) throw error;
    }
  })();
  return ready;
}

/** A new in-memory PGlite with an empty cluster, loaded from the template's dump instead of initdb; started as the reference server starts its own. */
export async function emptyPglite(): Promise<PGlite> {
  await template();
  return PGlite.create({ loadDataDir: new Blob([readFileSync(DUMP)]), startParams: pgliteStartParams(PGlite) });
}

/**
 * A fresh reference-server data directory (`RBAC_DATA_DIR`) whose `pglite/` already holds an
 * empty cluster: the server or the CLI then creates the tables, the admin and the seed as on a
 * bare directory, without waiting for initdb.
 */
export async function dataDirWithEmptyCluster(prefix: string): Promise<string> {
  await template();
  const dataDir = tempDir(prefix);
  cpSync(CLUSTER, path.join(dataDir, 'pglite'), { recursive: true });
  return dataDir;
}
