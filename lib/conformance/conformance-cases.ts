/**
 * Turns the case definitions into runnable cases: each gets fresh stores from the author's
 * factory, runs, and cleans up; skipped ids are marked for the runner.
 */
import { caseContext } from './case-context.ts';
import type { CaseDefinition, CaseSettings } from './case-definition.ts';
import { lockoutOrderCases } from './lockout-order-cases.ts';
import { inactivityCases } from './inactivity-cases.ts';
import { issueCheckCases } from './issue-check-cases.ts';
import { passwordLifecycleCases } from './password-lifecycle-cases.ts';
import { resetLinkCases } from './reset-link-cases.ts';
import { revocationCases } from './revocation-cases.ts';
import { tokenStoreCases } from './token-store-cases.ts';
import type { ConformanceCase, ConformanceOptions, ConformanceStorePair, ConformanceStores, TestRegistrar } from './types.ts';
import { userStoreCases } from './user-store-cases.ts';

const ALL_CASES: readonly CaseDefinition[] = [
  ...userStoreCases,
  ...tokenStoreCases,
  ...issueCheckCases,
  ...revocationCases,
  ...lockoutOrderCases,
  ...passwordLifecycleCases,
  ...inactivityCases,
  ...resetLinkCases,
];

/** Every case id, in run order: for documentation and for building `skip` lists. */
export const CONFORMANCE_CASE_IDS: readonly string[] = ALL_CASES.map((c) => c.id);

/** The ids of the cases that fire concurrent calls: with two pairs, they split them across both. */
export const CONFORMANCE_CONCURRENCY_CASE_IDS: readonly string[] = ALL_CASES.filter((c) => c.concurrent === true).map((c) => c.id);

const NO_SECOND_PAIR = 'no createSecondPair given, so this proves atomicity within one process only';

/**
 * The conformance cases for the stores `options.createStores` builds. Runner-agnostic: each
 * case's `run` rejects with an `AssertionError` whose message starts with the case id.
 *
 * @example
 * for (const c of conformanceCases({ createStores, createSecondPair })) test(c.name, { skip: c.skip }, c.run);
 */
export function conformanceCases<S extends ConformanceStores>(options: Readonly<ConformanceOptions<S>>): ConformanceCase[] {
  if (typeof options?.createStores !== 'function') {
    throw new TypeError('express-rbac-password/conformance: conformanceCases needs a createStores() factory');
  }
  const { createSecondPair, singlePairReason } = options;
  if (createSecondPair !== undefined && typeof createSecondPair !== 'function') {
    throw new TypeError('express-rbac-password/conformance: option createSecondPair must be a function (first) => Promise<{ userStore, tokenStore, cleanup? }>');
  }
  if (createSecondPair !== undefined && singlePairReason !== undefined) {
    throw new TypeError('express-rbac-password/conformance: give createSecondPair or singlePairReason, not both');
  }
  if (singlePairReason !== undefined && (typeof singlePairReason !== 'string' || singlePairReason.trim() === '')) {
    throw new TypeError('express-rbac-password/conformance: option singlePairReason must be a non-empty string');
  }
  const settings: CaseSettings = {
    concurrentRedeems: positive('concurrentRedeems', options.concurrentRedeems, 50),
    concurrentAttempts: positive('concurrentAttempts', options.concurrentAttempts, 20),
  };
  const skips = skipReasons(options.skip);
  const pairs = createSecondPair === undefined ? 1 : 2;
  const singleNote = ` [one store pair: ${singlePairReason ?? NO_SECOND_PAIR}]`;
  return ALL_CASES.map((definition) => {
    const concurrent = definition.concurrent === true;
    return {
      id: definition.id,
      name: `${definition.id}: ${definition.title}${concurrent && pairs === 1 ? singleNote : ''}`,
      skip: skips(definition.id),
      concurrent,
      pairs,
      run: async (t) => {
        const stores = await options.createStores();
        let second: ConformanceStorePair | undefined;
        try {
          const required = definition.requires;
          if (required !== undefined && missingMember(stores, required)) {
            t?.skip(`the store has no optional ${required === 'claimResetLinkSlot' ? 'TokenStore' : 'UserStore'}.${required}`);
            return;
          }
          const missingTokenMember = definition.requiresTokenStore?.find((member) => typeof stores.tokenStore[member] !== 'function');
          if (missingTokenMember !== undefined) {
            t?.skip(`the store has no optional TokenStore.${missingTokenMember}`);
            return;
          }
          second = createSecondPair === undefined ? undefined : await createSecondPair(stores);
          await definition.run(caseContext(definition.id, stores, second), settings);
        } catch (error) {
          throw namedFailure(definition.id, pairs, error);
        } finally {
          try {
            await second?.cleanup?.();
          } finally {
            await stores.cleanup?.();
          }
        }
      },
    };
  });
}

/** Whether the optional member a case is about is missing from the stores. */
function missingMember(stores: ConformanceStores, member: NonNullable<CaseDefinition['requires']>): boolean {
  if (member === 'claimResetLinkSlot') return typeof stores.tokenStore.claimResetLinkSlot !== 'function';
  return typeof stores.userStore[member] !== 'function';
}

/** Puts the case id (and the number of pairs) in front of a failure's message, so any runner's output names the case. */
function namedFailure(id: string, pairs: 1 | 2, error: unknown): unknown {
  if (!(error instanceof Error) || error.message.startsWith(`${id}:`)) return error;
  try {
    error.message = `${id}: ${error.message}${pairs === 2 ? ' (calls split across two store pairs)' : ''}`;
  } catch {
    // A frozen error keeps its own message.
  }
  return error;
}

/**
 * Registers every case with a `node:test`-shaped `test(name, { skip }, fn)`, such as `node:test`'s
 * `test` or `it`. For vitest or jest, loop over `conformanceCases` yourself.
 */
export function runConformance<S extends ConformanceStores>(test: TestRegistrar, options: Readonly<ConformanceOptions<S>>): void {
  for (const c of conformanceCases(options)) {
    test(c.name, c.skip === false ? {} : { skip: c.skip }, (t) => c.run(t));
  }
}

/** Resolves the `skip` option into a lookup; throws on an entry that matches no case. */
function skipReasons(skip: ConformanceOptions<ConformanceStores>['skip']): (id: string) => false | string {
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
