/**
 * Model-based test of the reference server (examples/server) over HTTP, in-process, on memory,
 * PGlite and PostgreSQL (DATABASE_URL). The same model and generator as model-service.test.ts;
 * here sign-ins start sessions (`/auth/token`), so the model also checks which sessions a reset,
 * a revoke or a change ends, and that no session outlives them. `MODEL_RUNS`, `MODEL_SEED` as there.
 */
import { after } from 'node:test';
import { ownDatabase, SERVER_SKIP } from '../helpers/postgres-fixtures.ts';
import { tempDir } from '../helpers/server.ts';
import { httpTarget } from '../helpers/model/http-target.ts';
import { modelSuite as suite, type ModelSuiteOptions } from '../helpers/model/suite.ts';
import type { Target } from '../helpers/model/targets.ts';

function modelSuite(name: string, open: () => Promise<Target>, ciRuns: ModelSuiteOptions['ciRuns'], skip: false | string = false): void {
  suite(open, {
    title: `model: reference server over HTTP on ${name}`,
    concurrentTitle: 'every concurrent batch is explained by some order of its ops, sessions included',
    ciRuns,
    skip,
  });
}

modelSuite('memory', () => httpTarget('server/memory', { RBAC_STORE: 'memory' }), { sequential: 1, concurrent: 3 });

modelSuite('PGlite', () => httpTarget('server/pglite', { RBAC_STORE: 'pglite', RBAC_DATA_DIR: tempDir('model') }), { sequential: 1, concurrent: 2 });

const database = ownDatabase(`rbac_model_${process.pid}`);
let created = false;
modelSuite(
  'PostgreSQL',
  async () => {
    const url = await database.create();
    created = true;
    return httpTarget('server/postgres', { DATABASE_URL: url });
  },
  { sequential: 1, concurrent: 2 },
  SERVER_SKIP,
);

after(async () => {
  if (created) await database.drop();
});
