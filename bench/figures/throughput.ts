/**
 * Figure 3: password-change throughput at cost 12 through HTTP, in bcrypt operations per second,
 * against the machine's limit measured in the same run (one raw bcryptjs thread per core hashing
 * with no HTTP). `policy: { passwordHistory: 0 }`: each change is exactly 1 verify + 1 hash, so
 * operations = 2 x changes answered 200. The pool's own job counter is read as a cross-check.
 */
import { availableParallelism } from 'node:os';
import { startChangers } from '../support/changers.ts';
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { rawBcryptRate } from '../support/raw-bcrypt.ts';
import { median, round, sleep } from '../support/stats.ts';
import type { ServerConfig } from '../server.ts';

const IN_FLIGHT = 16;
const SETTLE_MS = 3000;

export async function throughputFigure(options: BenchOptions): Promise<FigureReport> {
  const cores = availableParallelism();
  const smaller = Math.max(1, cores - 1);
  // Long enough for a few dozen changes per window at cost 12.
  const seconds = Math.max(10, options.duration * 2);
  const pools: { name: string; label: string; server: ServerConfig }[] = [
    { name: 'pool', label: `worker pool, default size (${cores})`, server: { hasher: 'default', cost: options.cost, changers: IN_FLIGHT } },
    ...(smaller === cores
      ? []
      : [{ name: 'pool-1', label: `worker pool, size ${smaller}`, server: { hasher: 'pool', poolSize: smaller, cost: options.cost, changers: IN_FLIGHT } as ServerConfig }]),
  ];
  const raw: number[] = [];
  const single: number[] = [];
  const http = new Map<string, { ops: number; poolOps: number; ratio: number }[]>(pools.map((p) => [p.name, []]));
  for (let run = 1; run <= options.runs; run += 1) {
    const limit = await rawBcryptRate(cores, options.cost, seconds);
    raw.push(limit);
    for (const pool of pools) {
      const server = await startServerChild(pool.server);
      const changers = startChangers(server.port, IN_FLIGHT);
      try {
        // Steady state: 16 changes start together, so the first answers come only after about
        // 16 verifies + 1 hash; wait for one full round of answers before counting.
        const settleStart = performance.now();
        while (changers.completions.length < IN_FLIGHT && performance.now() - settleStart < 120_000) await sleep(250);
        await sleep(SETTLE_MS);
        const before = changers.completions.length;
        const poolBefore = (await server.stats())?.completed ?? 0;
        const t0 = performance.now();
        await sleep(seconds * 1000);
        const elapsed = (performance.now() - t0) / 1000;
        const poolAfter = (await server.stats())?.completed ?? 0;
        const done = changers.completions.slice(before).filter((t) => t <= t0 + elapsed * 1000);
        const failures = [...changers.failures].map(([status, n]) => `${n}x${status}`).join(' ');
        if (failures !== '') throw new Error(`figure 3 (${pool.name}): failed changes ${failures}`);
        const ops = (done.length * 2) / elapsed;
        const poolOps = (poolAfter - poolBefore) / elapsed;
        http.get(pool.name)?.push({ ops, poolOps, ratio: poolOps / limit });
        options.log(
          `throughput run ${run} ${pool.name}: pool ${round(poolOps)} bcrypt jobs/s serving HTTP changes (HTTP count: ${done.length} changes in ${round(elapsed, 1)} s = ${round(ops)} ops/s), raw limit ${round(limit)} hashes/s, ratio ${round(poolOps / limit)}`,
        );
      } finally {
        await changers.stop();
        await server.stop();
      }
    }
    if (cores > 1) {
      single.push(await rawBcryptRate(1, options.cost, seconds / 2));
      options.log(`throughput run ${run}: one raw thread ${round(single.at(-1) ?? Number.NaN)} hashes/s`);
    }
  }
  const rawMedian = median(raw);
  const rows: (string | number)[][] = [
    [`raw limit: ${cores} bcryptjs threads, no HTTP`, '', round(rawMedian), 1],
    ...(single.length > 0 ? [[`one raw bcryptjs thread`, '', round(median(single)), round(median(single.map((s, i) => s / (raw[i] ?? Number.NaN))))]] : []),
    ...pools.map((p) => {
      const r = http.get(p.name) ?? [];
      return [`${p.label}, through HTTP`, round(median(r.map((x) => x.ops))), round(median(r.map((x) => x.poolOps))), round(median(r.map((x) => x.ratio)))];
    }),
  ];
  return {
    id: 'throughput',
    title: `3. Password-change throughput at cost ${options.cost}`,
    table: [['what', 'bcrypt ops/s (HTTP count)', 'bcrypt ops/s (pool job count)', 'ratio to raw limit (pool job count)'], ...rows],
    goals: pools.map((p) => {
      const ratio = median((http.get(p.name) ?? []).map((x) => x.ratio));
      return { text: `${p.label}: >= 0.9 of the raw limit (measured ${round(ratio)})`, met: p.name === 'pool' ? ratio >= 0.9 : ratio >= 0.9 };
    }),
    notes: [
      `Per run: the raw limit (${cores} threads x ${seconds} s), then for each pool a fresh server child with ${IN_FLIGHT} change loops (as in figure 2, no latency probe), ${SETTLE_MS / 1000} s of settling, then ${seconds} s counted. The ratio uses the pool's completed-jobs counter over the window, read from the server over IPC: every job is one bcrypt operation of an HTTP change (\`passwordHistory: 0\`, \`failedAttemptsLockout: 0\`: exactly 1 verify + 1 hash per change, nothing else hashes), and it counts exactly, whereas 2 x changes answered 200 in the window (shown as a cross-check) moves in steps of 2 operations and in bursts. The settling waits for one full round of ${IN_FLIGHT} answers first (16 changes start together, so the first answers come only after ~16 verifies + 1 hash). Ratios are per run, then the median.`,
    ],
  };
}
