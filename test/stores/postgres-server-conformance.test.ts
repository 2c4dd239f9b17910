/**
 * The conformance suite on the PostgreSQL adapter on the real server from DATABASE_URL (skipped,
 * saying so, when it is unset); its own file so that it runs beside the PGlite one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runConformance } from '../../lib/conformance/index.ts';
import { conformanceOptions, openServerRun, SERVER_SKIP, storesWithFreshPrefix, tablesEmptiedBetweenCases, type ServerRun } from '../helpers/postgres-fixtures.ts';
import type { SqlClient } from '../../lib/postgres/index.ts';

describe('conformance: PostgreSQL adapter on the real server (DATABASE_URL), two pools on one database', { skip: SERVER_SKIP }, () => {
  let run: ServerRun | undefined;
  let secondPool: SqlClient | undefined;
  before(async () => {
    run = await openServerRun();
    secondPool = run.newPool();
  });
  after(async () => {
    await run?.end();
  });
  const opened = () => run ?? assert.fail('server run not open');
  runConformance(
    test,
    conformanceOptions(
      tablesEmptiedBetweenCases(async () => storesWithFreshPrefix(opened().pool, opened().schema)),
      () => secondPool ?? assert.fail('server run not open'),
    ),
  );
});
