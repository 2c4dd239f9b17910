/**
 * The conformance suite on the PostgreSQL adapter on PGlite with its default users table;
 * postgres-conformance-custom-names.test.ts runs it on a host table with custom names (a file of
 * its own, so the two halves run side by side), postgres-server-conformance.test.ts on the real server.
 */
import { after, describe, test } from 'node:test';
import { runConformance } from '../../lib/conformance/index.ts';
import { closePglite, conformanceOptions, sharedPglite, storesInFreshSchema, tablesEmptiedBetweenCases } from '../helpers/postgres-fixtures.ts';

after(closePglite);

// PGlite is one connection in this process: the second pair is a second set of stores (their own
// executor and transaction context) on the same instance, which is as independent as it gets.
describe('conformance: PostgreSQL adapter on PGlite, default users table, two store pairs', () => {
  runConformance(
    test,
    conformanceOptions(
      tablesEmptiedBetweenCases(async () => storesInFreshSchema(await sharedPglite())),
      sharedPglite,
    ),
  );
});
