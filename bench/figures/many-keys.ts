/**
 * Figure 8: many keys. The same 1,000 bcrypt jobs through one worker pool, submitted at once,
 * either all under one fairness key or under 1,000 distinct keys (one job each): the scheduler's
 * bookkeeping per key must cost nothing measurable. A low cost makes jobs short, so any
 * per-job scheduling overhead weighs as much as it ever can.
 */
import { availableParallelism } from 'node:os';
import { createWorkerPoolHasher } from '../../lib/index.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round } from '../support/stats.ts';

const JOBS = 1000;
const COST = 6;
/** Sides per run, alternating (one, many, many, one, ...), so drifting load hits both alike. */
const ROUNDS = 6;

async function rate(keys: 'one' | 'many', hash: string): Promise<{ jobsPerSecond: number; keysAfter: number }> {
  const pool = createWorkerPoolHasher({ cost: COST, size: availableParallelism(), maxQueue: JOBS, maxQueuePerKey: JOBS });
  try {
    // Start every worker first, so thread start-up is not counted.
    await Promise.all(Array.from({ length: availableParallelism() }, () => pool.verify('warm-up', hash)));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => pool.verify(`password ${i}`, hash, { fairnessKey: keys === 'one' ? 'one-client' : `client-${i}` })));
    const seconds = (performance.now() - t0) / 1000;
    return { jobsPerSecond: JOBS / seconds, keysAfter: pool.stats.keys };
  } finally {
    await pool.close();
  }
}

export async function manyKeysFigure(options: BenchOptions): Promise<FigureReport> {
  const seed = createWorkerPoolHasher({ cost: COST, size: 1 });
  const hash = await seed.hash('the stored password');
  await seed.close();
  const one: number[] = [];
  const many: number[] = [];
  const ratios: number[] = [];
  let leftover = 0;
  for (let run = 1; run <= options.runs; run += 1) {
    const sides = { one: [] as number[], many: [] as number[] };
    for (let round_ = 0; round_ < ROUNDS; round_ += 1) {
      const order: ('one' | 'many')[] = round_ % 2 === 0 ? ['one', 'many'] : ['many', 'one'];
      for (const keys of order) {
        const result = await rate(keys, hash);
        sides[keys].push(result.jobsPerSecond);
        leftover = Math.max(leftover, result.keysAfter);
      }
    }
    const runOne = median(sides.one);
    const runMany = median(sides.many);
    one.push(runOne);
    many.push(runMany);
    ratios.push(runMany / runOne);
    options.log(`many-keys run ${run}: one key ${round(runOne)} jobs/s, ${JOBS} keys ${round(runMany)} jobs/s, ratio ${round(runMany / runOne, 3)}`);
  }
  const ratio = median(ratios);
  return {
    id: 'many-keys',
    title: `8. Many keys: ${JOBS} jobs under ${JOBS} keys vs under one key (cost ${COST})`,
    table: [
      ['keys', 'bcrypt jobs/s', 'ratio to one key'],
      ['one key, 1,000 jobs', round(median(one)), 1],
      ['1,000 keys, one job each', round(median(many)), round(ratio, 3)],
    ],
    goals: [
      { text: `1,000 keys served at >= 0.95 of one key's throughput (measured ${round(ratio, 3)})`, met: ratio >= 0.95 },
      { text: `no key left behind once the jobs are done (measured at most ${leftover} keys)`, met: leftover === 0 },
    ],
    notes: [
      `Per run: ${ROUNDS} rounds, each a fresh pool of ${availableParallelism()} workers (started before timing) per side, sides alternating; ${JOBS} verify jobs against one cost-${COST} hash submitted at once (queue bounds ${JOBS}), timed until all resolved. The run's ratio is the median of its 1,000-key rates over the median of its one-key rates; the table shows medians over runs. Cost ${COST} (about ${round(2 ** COST * 0.1, 1)} ms a job here) rather than the figures' ${options.cost}: short jobs make the scheduler's share of the time as large as it gets.`,
    ],
  };
}
