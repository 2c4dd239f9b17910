/**
 * The two phases every model test runs on one target: sequential runs checked step by step, then
 * concurrent batches checked for linearizability. Shared by model-service.test.ts and
 * model-server.test.ts so that both run the same seed, steps and assertions.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { modelRuns, modelSeed } from './prng.ts';
import { runModel, summary } from './runner.ts';
import type { Target } from './targets.ts';

const SEED = modelSeed();
const STEPS = 30;

export interface ModelSuiteOptions {
  /** The describe block's title. */
  readonly title: string;
  /** The concurrent test's title (the HTTP target also checks sessions, and says so). */
  readonly concurrentTitle: string;
  /** Runs per phase in CI (`MODEL_RUNS` overrides). */
  readonly ciRuns: { readonly sequential: number; readonly concurrent: number };
  readonly skip?: false | string;
}

/** The sequential and the concurrent phase on one target, made by `open` (closed after). */
export function modelSuite(open: () => Promise<Target>, options: ModelSuiteOptions): void {
  const { ciRuns } = options;
  describe(options.title, { skip: options.skip ?? false }, () => {
    let target: Target | undefined;
    const opened = async () => (target ??= await open());
    after(async () => target?.close());

    test('sequential runs agree with the model step by step', async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.sequential), steps: STEPS, concurrent: false });
      t.diagnostic(summary(await opened(), 'sequential', report));
      assert.equal(report.failures.length, 0, report.failures.slice(0, 3).join('\n\n'));
    });

    test(options.concurrentTitle, async (t) => {
      const report = await runModel(await opened(), { seed: SEED, runs: modelRuns(ciRuns.concurrent), steps: STEPS, concurrent: true });
      t.diagnostic(summary(await opened(), 'concurrent', report));
      assert.equal(report.failures.length, 0, `${report.failures.length} unexplained batch(es); the first:\n${report.failures.slice(0, 3).join('\n\n')}`);
    });
  });
}
