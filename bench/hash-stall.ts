/**
 * Event-loop stall and throughput of the two bcrypt hashers. Run on demand, not by the tests:
 *
 *   npx tsx bench/hash-stall.ts [--runs 3] [--duration 10] [--cost 12] [--concurrency 16]
 *
 * 1. Stall: a bare `node:http` server (in a child process, so the load generator is not
 *    stalled with it) answers a trivial route while `concurrency` hashes are kept in flight at
 *    `cost`, for (a) no hashing, (b) bcryptjs on the server's main thread, (c) the worker
 *    pool. autocannon, in this process, reports the route's p50/p99 latency.
 * 2. Throughput with no HTTP: the machine's limit (one bcryptjs thread per core, hashing in a
 *    loop), one such thread alone, and the pool's hashes per second.
 *
 * Each figure is measured `runs` times and the median is printed; each ratio is the median of
 * the ratios taken within one run, so both sides saw the same machine load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { createBcryptHasher, createWorkerPoolHasher } from '../lib/hashing/index.ts';
import type { Hasher } from '../lib/types.ts';

type LoadMode = 'none' | 'main' | 'pool';

/** Messages between this process and the server child. */
type ChildMessage = { type: 'listening'; port: number } | { type: 'report'; hashes: number; ms: number };

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    cost: { type: 'string', default: '12' },
    concurrency: { type: 'string', default: '16' },
  },
});
const cost = Number(args.cost);
const concurrency = Number(args.concurrency);

if (args.server !== undefined) await serve(args.server as LoadMode);
else await main();

/** The child: a trivial HTTP route, plus `concurrency` hashes kept in flight until killed. */
async function serve(mode: LoadMode): Promise<void> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  let hashes = 0;
  let started = 0;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'start' && mode !== 'none') {
      const hasher: Hasher = mode === 'main' ? createBcryptHasher({ cost }) : createWorkerPoolHasher({ cost });
      started = performance.now();
      // Each finished hash starts the next one, so exactly `concurrency` are always in flight.
      const loop = async (): Promise<void> => {
        for (;;) {
          await hasher.hash('bench password');
          hashes += 1;
        }
      };
      for (let i = 0; i < concurrency; i += 1) void loop();
    }
    if (message.type === 'report') process.send?.({ type: 'report', hashes, ms: performance.now() - started });
  });
  process.send?.({ type: 'listening', port: address.port });
}

function nextMessage(child: ChildProcess, type: ChildMessage['type']): Promise<ChildMessage> {
  return new Promise((resolve) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

interface StallResult {
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  hashesPerSecond: number;
}

async function measureStall(mode: LoadMode, durationSeconds: number): Promise<StallResult> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', mode, '--cost', String(cost), '--concurrency', String(concurrency)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const listening = await nextMessage(child, 'listening');
    if (listening.type !== 'listening') throw new Error('unexpected message');
    child.send({ type: 'start' });
    // Let the load settle (the pool starts its workers, the main thread fills its slices).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = await autocannon({
      url: `http://127.0.0.1:${listening.port}/`,
      connections: 10,
      duration: durationSeconds,
      timeout: 60,
    });
    const reportPromise = nextMessage(child, 'report');
    child.send({ type: 'report' });
    const report = await reportPromise;
    const hashesPerSecond = report.type === 'report' && report.ms > 0 ? (report.hashes * 1000) / report.ms : 0;
    return {
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors,
      hashesPerSecond,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

/** Hashes per second of `threads` raw bcryptjs threads (no pool, no HTTP), each in a tight loop. */
async function measureRawThreads(threads: number, durationSeconds: number): Promise<number> {
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const bcrypt = require(workerData.bcryptPath);
    // Timed inside the thread, from its first hash to its last, so thread start-up and the
    // last hash running past the deadline do not bias the rate.
    // One untimed hash first, as the pool's workers get, so JIT warm-up is not counted.
    bcrypt.hashSync('warm up', workerData.cost);
    const start = performance.now();
    const end = start + workerData.ms;
    let n = 0;
    while (performance.now() < end) { bcrypt.hashSync('bench password', workerData.cost); n += 1; }
    parentPort.postMessage((n * 1000) / (performance.now() - start));
  `;
  const rates = await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, execArgv: [], workerData: { bcryptPath, cost, ms: durationSeconds * 1000 } });
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
    ),
  );
  return rates.reduce((a, b) => a + b, 0);
}

/** Hashes per second through the pool with twice its size in flight, so no worker idles. */
async function measurePool(durationSeconds: number): Promise<number> {
  const pool = createWorkerPoolHasher({ cost });
  await Promise.all(Array.from({ length: pool.stats.size }, () => pool.hash('warm up')));
  const end = performance.now() + durationSeconds * 1000;
  let hashes = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      await pool.hash('bench password');
      hashes += 1;
    }
  };
  await Promise.all(Array.from({ length: pool.stats.size * 2 }, loop));
  const rate = (hashes * 1000) / (performance.now() - started);
  await pool.close();
  return rate;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  const duration = Number(args.duration);
  const cores = availableParallelism();
  console.log(`node ${process.version}, ${cores} cores; cost ${cost}, ${concurrency} hashes in flight, ${runs} run(s) of ${duration}s each`);

  const stall: Record<LoadMode, StallResult[]> = { none: [], main: [], pool: [] };
  const raw: number[] = [];
  const single: number[] = [];
  const pooled: number[] = [];
  for (let run = 1; run <= runs; run += 1) {
    for (const mode of ['none', 'main', 'pool'] as const) {
      const result = await measureStall(mode, duration);
      stall[mode].push(result);
      console.log(`run ${run} stall ${mode}: p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.requests} requests, ${result.errors} errors, ${result.hashesPerSecond.toFixed(2)} hashes/s`);
    }
    // The pool right after the raw limit, so the ratio of the two sees the same machine load.
    raw.push(await measureRawThreads(cores, duration));
    pooled.push(await measurePool(duration));
    single.push(await measureRawThreads(1, duration));
    console.log(`run ${run} throughput: raw ${cores} threads ${raw.at(-1)?.toFixed(2)}/s, pool ${pooled.at(-1)?.toFixed(2)}/s, 1 thread ${single.at(-1)?.toFixed(2)}/s`);
  }

  const m = (mode: LoadMode, key: keyof StallResult): number => median(stall[mode].map((r) => r[key]));
  // autocannon reports whole milliseconds, so a quiet baseline can read 0: ratios use at least 1 ms.
  const p99Ratio = (mode: LoadMode): number =>
    +median(stall[mode].map((r, i) => r.p99 / Math.max(1, stall.none[i]?.p99 ?? 1))).toFixed(1);
  const baseP99 = m('none', 'p99');
  console.log(`\nMedians of ${runs} run(s)\n`);
  console.table({
    'no hashing': { 'p50 ms': m('none', 'p50'), 'p99 ms': baseP99, 'p99 / baseline': 1, requests: m('none', 'requests'), 'hashes/s': 0 },
    'main-thread bcryptjs': {
      'p50 ms': m('main', 'p50'),
      'p99 ms': m('main', 'p99'),
      'p99 / baseline': p99Ratio('main'),
      requests: m('main', 'requests'),
      'hashes/s': +m('main', 'hashesPerSecond').toFixed(2),
    },
    'worker pool': {
      'p50 ms': m('pool', 'p50'),
      'p99 ms': m('pool', 'p99'),
      'p99 / baseline': p99Ratio('pool'),
      requests: m('pool', 'requests'),
      'hashes/s': +m('pool', 'hashesPerSecond').toFixed(2),
    },
  });
  // Ratios are taken within each run (same machine load), then their median.
  const vsRaw = (rates: number[]): number => +median(rates.map((rate, i) => rate / (raw[i] ?? Number.NaN))).toFixed(2);
  console.table({
    [`raw limit: ${cores} bcryptjs threads`]: { 'hashes/s': +median(raw).toFixed(2), 'vs raw limit': 1 },
    'one bcryptjs thread': { 'hashes/s': +median(single).toFixed(2), 'vs raw limit': vsRaw(single) },
    [`worker pool (size ${cores})`]: { 'hashes/s': +median(pooled).toFixed(2), 'vs raw limit': vsRaw(pooled) },
  });
}
