/**
 * Model-based test of the service itself (`createPasswordService` + `verifyLogin`, no Express)
 * on memory, PGlite and PostgreSQL (DATABASE_URL): sequential runs checked step by step against
 * the model of the documented rules, then concurrent batches of 2–3 ops checked for
 * linearizability by brute force over their orders (test/helpers/model/). CI-sized by default;
 * `MODEL_RUNS=<n>` for a long run, `MODEL_SEED=<n>` (or `random`) to replay or explore.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { closePglite, openServerRun, SERVER_SKIP, sharedPglite, storesInFreshSchema, type ServerRun } from '../helpers/postgres-fixtures.ts';
import { modelRuns, modelSeed } from '../helpers/model/prng.ts';
import { runModel, summary } from '../helpers/model/runner.ts';
import { memoryStores, serviceTarget, type ServiceStores, type Target } from '../helpers/model/targets.ts';
import type { PostgresStores } from '../../lib/postgres/index.ts';

const SEED = modelSeed();
const STEPS = 30;

function postgresStores(stores: PostgresStores): ServiceStores {
  return { userStore: stores.userStore, tokenStore: stores.tokenStore, createUser: (login, passwordHash) => stores.userStore.createUser({ login, passwordHash }) };
}

/** The sequential and the concurrent phase on one target, made by `open` (closed after). */
function modelSuite(name: string, open: () => Promise<Target>, ciRuns: { sequential: number; concurrent: number }, skip: false | string = false): void {
  describe(`model: service on ${name}`, { skip }, () => {
    let target: Target | undefined;
    const opened = async () => (target ??= await open());
    after(async () => target?.close());

    test('sequential runs agree with the model step by step', async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.sequential), steps: STEPS, concurrent: false });
      t.diagnostic(summary(await opened(), 'sequential', report));
      assert.equal(report.failures.length, 0, report.failures.slice(0, 3).join('\n\n'));
    });

    test('every concurrent batch is explained by some order of its ops', async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.concurrent), steps: STEPS, concurrent: true });
      t.diagnostic(summary(await opened(), 'concurrent', report));
      assert.equal(report.failures.length, 0, `${report.failures.length} unexplained batch(es); the first:\n${report.failures.slice(0, 3).join('\n\n')}`);
    });
  });
}

modelSuite('memory', async () => serviceTarget('service/memory', memoryStores()), { sequential: 2, concurrent: 4 });

modelSuite(
  'PGlite',
  async () => {
    const fixture = await storesInFreshSchema(await sharedPglite());
    return serviceTarget('service/pglite', postgresStores(fixture.stores));
  },
  { sequential: 1, concurrent: 2 },
);

let run: ServerRun | undefined;
modelSuite(
  'PostgreSQL',
  async () => {
    run = await openServerRun();
    const fixture = await storesInFreshSchema(run.pool);
    return serviceTarget('service/postgres', postgresStores(fixture.stores));
  },
  { sequential: 1, concurrent: 3 },
  SERVER_SKIP,
);

after(async () => {
  await run?.end();
  await closePglite();
});
