/**
 * Figure 4's worker, forked with --expose-gc: issues `total` tokens into a MemoryTokenStore at a
 * steady simulated rate with an injected clock, sweeping on the store's schedule, samples the
 * heap (after gc) along the way, then lets everything expire, sweeps, and reports.
 */
import { MemoryTokenStore } from '../../lib/memory/memory-token-store.ts';
import { newTokenId, passwordStamp } from '../../lib/tokens/reset-token.ts';
import type { ResetTokenRecord } from '../../lib/types.ts';

export interface MemoryParams {
  readonly total: number;
  /** 'distinct': every token for a new user; 'one': every token for the same user (each supersedes the last). */
  readonly users: 'distinct' | 'one';
  readonly batch: number;
  /** Simulated ms between batches: the rate is batch / stepMs tokens per simulated ms. */
  readonly stepMs: number;
  readonly lifetimeMs: number;
  readonly sweepEveryMs: number;
  readonly samples: number;
}

export interface MemoryResult {
  readonly startHeap: number;
  readonly endHeap: number;
  readonly peakHeap: number;
  readonly samples: number[];
  readonly storeSizes: number[];
  readonly finalSize: number;
  readonly seconds: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

async function main(params: MemoryParams): Promise<MemoryResult> {
  let clock = Date.parse('2026-11-27T10:00:00Z');
  const now = () => new Date(clock);
  const store = new MemoryTokenStore({ sweepIntervalMs: 0, now });
  const hash = '$2a$12$abcdefghijklmnopqrstuuQ2Jq7m4j3p0cXh8vY9m1b2n3c4d5e6f';
  let serial = 0;
  const record = (): ResetTokenRecord => {
    const id = newTokenId();
    serial += 1;
    const userId = params.users === 'one' ? '00000000-0000-4000-8000-000000000001' : `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
    const issuedAt = now();
    return { id, userId, issuedAt, expiresAt: new Date(clock + params.lifetimeMs), issuedBy: null, passwordStamp: passwordStamp(id, hash) };
  };
  // Warm-up (JIT, Map growth paths) before the baseline, then everything purged.
  for (let i = 0; i < 20_000; i += 1) store.issue(record());
  clock += params.lifetimeMs + 1;
  store.purgeExpired(now());
  const startHeap = heap();

  const started = performance.now();
  const samples: number[] = [];
  const storeSizes: number[] = [];
  const sampleEvery = Math.max(1, Math.floor(params.total / params.samples));
  let lastSweep = clock;
  let issued = 0;
  while (issued < params.total) {
    for (let i = 0; i < params.batch && issued < params.total; i += 1, issued += 1) {
      store.issue(record());
      if ((issued + 1) % sampleEvery === 0) {
        samples.push(heap());
        storeSizes.push(store.size);
      }
    }
    clock += params.stepMs;
    if (clock - lastSweep >= params.sweepEveryMs) {
      store.purgeExpired(now());
      lastSweep = clock;
    }
    // Yield now and then, as a server would.
    if (issued % (params.batch * 20) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const peakHeap = Math.max(...samples);
  clock += params.lifetimeMs + 1;
  store.purgeExpired(now());
  const finalSize = store.size;
  const endHeap = heap();
  store.close();
  return { startHeap, endHeap, peakHeap, samples, storeSizes, finalSize, seconds: (performance.now() - started) / 1000 };
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  const result = await main(JSON.parse(process.argv[2]) as MemoryParams);
  process.send({ type: 'result', result }, () => process.exit(0));
}
