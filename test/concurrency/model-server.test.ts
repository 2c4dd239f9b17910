/**
 * Model-based test of the reference server (examples/server) over HTTP, in-process, on memory,
 * PGlite and PostgreSQL (DATABASE_URL). The same model and generator as model-service.test.ts;
 * here sign-ins start sessions (`/auth/token`), so the model also checks which sessions a reset,
 * a revoke or a change ends, and that no session outlives them. `MODEL_RUNS`, `MODEL_SEED` as there.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { onRealServer, SERVER_SKIP } from '../helpers/postgres-fixtures.ts';
import { tempDir } from '../helpers/server.ts';
import { httpTarget } from '../helpers/model/http-target.ts';
import { modelRuns, modelSeed } from '../helpers/model/prng.ts';
import { runModel, summary } from '../helpers/model/runner.ts';
import type { Target } from '../helpers/model/targets.ts';

const SEED = modelSeed();
const STEPS = 30;

function modelSuite(name: string, open: () => Promise<Target>, ciRuns: { sequential: number; concurrent: number }, skip: false | string = false): void {
  describe(`model: reference server over HTTP on ${name}`, { skip }, () => {
    let target: Target | undefined;
    const opened = async () => (target ??= await open());
    after(async () => target?.close());

    test('sequential runs agree with the model step by step', async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.sequential), steps: STEPS, concurrent: false });
      t.diagnostic(summary(await opened(), 'sequential', report));
      assert.equal(report.failures.length, 0, report.failures.slice(0, 3).join('\n\n'));
    });

    test('every concurrent batch is explained by some order of its ops, sessions included', async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.concurrent), steps: STEPS, concurrent: true });
      t.diagnostic(summary(await opened(), 'concurrent', report));
      assert.equal(report.failures.length, 0, `${report.failures.length} unexplained batch(es); the first:\n${report.failures.slice(0, 3).join('\n\n')}`);
    });
  });
}

modelSuite('memory', () => httpTarget('server/memory', { RBAC_STORE: 'memory' }), { sequential: 1, concurrent: 3 });

modelSuite('PGlite', () => httpTarget('server/pglite', { RBAC_STORE: 'pglite', RBAC_DATA_DIR: tempDir('model') }), { sequential: 1, concurrent: 2 });

const database = `rbac_model_${process.pid}`;
let created = false;
modelSuite(
  'PostgreSQL',
  async () => {
    await onRealServer((c) => c.query(`CREATE DATABASE "${database}"`));
    created = true;
    const url = new URL(process.env['DATABASE_URL'] as string);
    url.pathname = `/${database}`;
    return httpTarget('server/postgres', { DATABASE_URL: url.toString() });
  },
  { sequential: 1, concurrent: 2 },
  SERVER_SKIP,
);

after(async () => {
  if (created) await onRealServer((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
});
