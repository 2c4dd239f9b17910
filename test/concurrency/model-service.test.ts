/**
 * Model-based test of the service itself (`createPasswordService` + `verifyLogin`, no Express)
 * on memory, PGlite and PostgreSQL (DATABASE_URL): sequential runs checked step by step against
 * the model of the documented rules, then concurrent batches of 2–3 ops checked for
 * linearizability by brute force over their orders (test/helpers/model/). CI-sized by default;
 * `MODEL_RUNS=<n>` for a long run, `MODEL_SEED=<n>` (or `random`) to replay or explore.
 */
import { after } from 'node:test';
import { closePglite, openServerRun, SERVER_SKIP, sharedPglite, storesInFreshSchema, type ServerRun } from '../helpers/postgres-fixtures.ts';
import { modelSuite as suite, type ModelSuiteOptions } from '../helpers/model/suite.ts';
import { memoryStores, serviceTarget, type ServiceStores, type Target } from '../helpers/model/targets.ts';
import type { PostgresStores } from '../../lib/postgres/index.ts';

function postgresStores(stores: PostgresStores): ServiceStores {
  return { userStore: stores.userStore, tokenStore: stores.tokenStore, createUser: (login, passwordHash) => stores.userStore.createUser({ login, passwordHash }) };
}

function modelSuite(name: string, open: () => Promise<Target>, ciRuns: ModelSuiteOptions['ciRuns'], skip: false | string = false): void {
  suite(open, { title: `model: service on ${name}`, concurrentTitle: 'every concurrent batch is explained by some order of its ops', ciRuns, skip });
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
