/**
 * The conformance suite on the PostgreSQL adapter: on PGlite always (default users table and a
 * host table with custom names), and on the real server from DATABASE_URL when it is set.
 */
import { after, before, describe, test } from 'node:test';
import { runConformance } from '../lib/conformance/index.ts';
import {
  closePglite,
  conformanceFactory,
  openServerRun,
  SERVER_SKIP,
  sharedPglite,
  storesInFreshSchema,
  storesWithFreshPrefix,
  uniqueName,
  type ServerRun,
} from './postgres-fixtures.ts';
import { createPostgresStores } from '../lib/postgres/index.ts';

after(closePglite);

describe('conformance: PostgreSQL adapter on PGlite, default users table', () => {
  runConformance(test, {
    createStores: conformanceFactory(async () => storesInFreshSchema(await sharedPglite())),
  });
});

describe('conformance: PostgreSQL adapter on PGlite, existing users table with custom names', () => {
  runConformance(test, {
    createStores: conformanceFactory(async () => {
      const db = await sharedPglite();
      const schema = uniqueName('erp_host');
      const stateSchema = uniqueName('erp_state');
      await db.query(`CREATE SCHEMA "${schema}"`);
      await db.query(`CREATE SCHEMA "${stateSchema}"`);
      await db.query(`CREATE TABLE "${schema}"."Accounts" (
        "AccountId" text PRIMARY KEY DEFAULT gen_random_uuid()::text,
        "UserName" text NOT NULL UNIQUE,
        "PwHash" text,
        "Remote" boolean NOT NULL DEFAULT false,
        "Disabled" boolean NOT NULL DEFAULT false
      )`);
      const stores = createPostgresStores(db, {
        schema,
        usersTable: 'Accounts',
        stateSchema,
        tablePrefix: 'acct_',
        columns: { id: 'AccountId', login: 'UserName', passwordHash: 'PwHash', isRemote: 'Remote', isRevoked: 'Disabled' },
      });
      await stores.migrate();
      return {
        stores,
        schema,
        cleanup: async () => void (await db.query(`DROP SCHEMA "${schema}", "${stateSchema}" CASCADE`)),
      };
    }),
  });
});

describe('conformance: PostgreSQL adapter on the real server (DATABASE_URL)', { skip: SERVER_SKIP }, () => {
  let run: ServerRun | undefined;
  before(async () => {
    run = await openServerRun();
  });
  after(async () => {
    await run?.end();
  });
  runConformance(test, {
    createStores: conformanceFactory(async () => {
      if (run === undefined) throw new Error('server run not open');
      return storesWithFreshPrefix(run.pool, run.schema);
    }),
  });
});
