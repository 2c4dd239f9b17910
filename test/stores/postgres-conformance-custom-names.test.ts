/**
 * The conformance suite on the PostgreSQL adapter on PGlite, over a host's existing users table
 * with custom schema, table and column names; postgres-conformance.test.ts runs it on the default table.
 */
import { after, describe, test } from 'node:test';
import { runConformance } from '../../lib/conformance/index.ts';
import { createPostgresStores } from '../../lib/postgres/index.ts';
import { closePglite, conformanceOptions, sharedPglite, tablesEmptiedBetweenCases, uniqueName } from '../helpers/postgres-fixtures.ts';

after(closePglite);

// PGlite is one connection in this process: the second pair is a second set of stores (their own
// executor and transaction context) on the same instance, which is as independent as it gets.
describe('conformance: PostgreSQL adapter on PGlite, existing users table with custom names, two store pairs', () => {
  runConformance(
    test,
    conformanceOptions(
      tablesEmptiedBetweenCases(async () => {
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
        const options = {
          schema,
          usersTable: 'Accounts',
          stateSchema,
          tablePrefix: 'acct_',
          columns: { id: 'AccountId', login: 'UserName', passwordHash: 'PwHash', isRemote: 'Remote', isRevoked: 'Disabled' },
        };
        const stores = createPostgresStores(db, options);
        await stores.migrate();
        return {
          stores,
          schema,
          options,
          db,
          cleanup: async () => void (await db.query(`DROP SCHEMA "${schema}", "${stateSchema}" CASCADE`)),
        };
      }),
      sharedPglite,
    ),
  );
});
