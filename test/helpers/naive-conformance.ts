/**
 * Runs the conformance suite on the naive adapter (`naive-kv-stores.ts`) over any key-value
 * backend, with one store pair or two, and checks how it fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CONFORMANCE_CONCURRENCY_CASE_IDS, conformanceCases, type ConformanceOptions, type ConformanceStores } from '../../lib/conformance/index.ts';
import { NaiveTokenStore, NaiveUserStore, type KeyValue } from './naive-kv-stores.ts';

export interface NaiveStores extends ConformanceStores {
  readonly kv: KeyValue;
  readonly prefix: string;
}

/**
 * Conformance options for the naive stores on `kv()`. With `second`, a second pair of store
 * instances runs on `second(firstBackend)`: the same data, through its own connection if it has one.
 */
export function naiveOptions(kv: () => KeyValue, second?: (first: KeyValue) => KeyValue, cleanup?: (prefix: string) => Promise<void>): ConformanceOptions<NaiveStores> {
  const createStores = async (): Promise<NaiveStores> => {
    const prefix = `naive:${randomBytes(6).toString('hex')}:`;
    const backend = kv();
    const userStore = new NaiveUserStore(backend, prefix);
    return {
      kv: backend,
      prefix,
      userStore,
      tokenStore: new NaiveTokenStore(backend, prefix),
      createUser: (input) => userStore.createUser(input),
      clearRevokedFlag: (id) => userStore.clearRevokedFlag(id),
      ...(cleanup === undefined ? {} : { cleanup: () => cleanup(prefix) }),
    };
  };
  if (second === undefined) return { createStores };
  return {
    createStores,
    createSecondPair: async (first) => {
      const backend = second(first.kv);
      return { userStore: new NaiveUserStore(backend, first.prefix), tokenStore: new NaiveTokenStore(backend, first.prefix) };
    },
  };
}

/** Runs every case and resolves the failures by case id. */
export async function failures(options: ConformanceOptions<NaiveStores>): Promise<Map<string, Error>> {
  const failed = new Map<string, Error>();
  for (const c of conformanceCases(options)) {
    await c.run().catch((error: Error) => failed.set(c.id, error));
  }
  return failed;
}

/** The concurrency cases a get-then-set adapter loses across instances. */
export const RACY_CASES = [
  'user.set-password-compare-and-set',
  'user.set-password-null-previous',
  'user.failed-attempt-concurrent',
  'user.lockout-concurrent',
  'token.redeem-concurrent',
  'token.issue-concurrent',
  'user.success-races-failure-at-threshold',
  'token.revoke-outstanding-races-redeem',
  'token.reset-link-slot-concurrent',
];

/** Asserts that every racy case failed with a message naming it, and that no sequential case failed. */
export function assertRacesNamed(failed: Map<string, Error>): void {
  for (const id of RACY_CASES) {
    const error = failed.get(id);
    assert.ok(error, `${id} passed across two instances`);
    assert.ok(error.message.startsWith(`${id}: `), `the failure does not name its case: ${error.message}`);
    assert.match(error.message, /two store pairs/);
  }
  for (const id of failed.keys()) assert.ok(CONFORMANCE_CONCURRENCY_CASE_IDS.includes(id), `sequential case ${id} failed: ${failed.get(id)?.message}`);
}
