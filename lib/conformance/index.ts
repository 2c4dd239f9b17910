/**
 * `express-rbac-password/conformance`: the test suite every `UserStore`/`TokenStore` pair must
 * pass, on plain `node:assert`, for any test runner. The memory and PostgreSQL stores run it too.
 */
export { conformanceCases, runConformance, CONFORMANCE_CASE_IDS, CONFORMANCE_CONCURRENCY_CASE_IDS } from './conformance-cases.ts';
export type { ConformanceCase, ConformanceOptions, ConformanceStorePair, ConformanceStores, ConformanceUserInput, SkipContext, TestRegistrar } from './types.ts';
