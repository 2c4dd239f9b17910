/**
 * Turns the case definitions into runnable cases: each gets fresh stores from the author's
 * factory, runs, and cleans up; skipped ids are marked for the runner.
 */
import { caseContext } from './case-context.ts';
import type { CaseDefinition, CaseSettings } from './case-definition.ts';
import { tokenStoreCases } from './token-store-cases.ts';
import type { ConformanceCase, ConformanceOptions, TestRegistrar } from './types.ts';
import { userStoreCases } from './user-store-cases.ts';

const ALL_CASES: readonly CaseDefinition[] = [...userStoreCases, ...tokenStoreCases];

/** Every case id, in run order: for documentation and for building `skip` lists. */
export const CONFORMANCE_CASE_IDS: readonly string[] = ALL_CASES.map((c) => c.id);

/**
 * The conformance cases for the stores `options.createStores` builds. Runner-agnostic: each
 * case's `run` rejects with an `AssertionError` on failure.
 *
 * @example
 * for (const c of conformanceCases({ createStores })) test(c.name, { skip: c.skip }, c.run);
 */
export function conformanceCases(options: Readonly<ConformanceOptions>): ConformanceCase[] {
  if (typeof options?.createStores !== 'function') {
    throw new TypeError('express-rbac-password/conformance: conformanceCases needs a createStores() factory');
  }
  const settings: CaseSettings = {
    concurrentRedeems: positive('concurrentRedeems', options.concurrentRedeems, 50),
    concurrentAttempts: positive('concurrentAttempts', options.concurrentAttempts, 20),
  };
  const skips = skipReasons(options.skip);
  return ALL_CASES.map((definition) => ({
    id: definition.id,
    name: `${definition.id}: ${definition.title}`,
    skip: skips(definition.id),
    run: async () => {
      const stores = await options.createStores();
      try {
        await definition.run(caseContext(definition.id, stores), settings);
      } finally {
        await stores.cleanup?.();
      }
    },
  }));
}

/**
 * Registers every case with a `node:test`-shaped `test(name, { skip }, fn)`, such as `node:test`'s
 * `test` or `it`. For vitest or jest, loop over `conformanceCases` yourself.
 */
export function runConformance(test: TestRegistrar, options: Readonly<ConformanceOptions>): void {
  for (const c of conformanceCases(options)) {
    test(c.name, c.skip === false ? {} : { skip: c.skip }, c.run);
  }
}

/** Resolves the `skip` option into a lookup; throws on an entry that matches no case. */
function skipReasons(skip: ConformanceOptions['skip']): (id: string) => false | string {
  const entries: [string, string][] = Array.isArray(skip) ? skip.map((pattern: string) => [pattern, 'skipped by the adapter author']) : Object.entries(skip ?? {});
  const matches = (pattern: string, id: string) => (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern);
  for (const [pattern] of entries) {
    if (!CONFORMANCE_CASE_IDS.some((id) => matches(pattern, id))) {
      throw new TypeError(`express-rbac-password/conformance: skip entry ${JSON.stringify(pattern)} matches no case; ids: ${CONFORMANCE_CASE_IDS.join(', ')}`);
    }
  }
  return (id) => entries.find(([pattern]) => matches(pattern, id))?.[1] ?? false;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`express-rbac-password/conformance: option ${option} must be a positive integer`);
  }
  return value;
}
