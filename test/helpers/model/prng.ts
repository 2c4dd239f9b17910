/**
 * The model test's seeded randomness: a small PRNG (mulberry32), so a run is replayed exactly
 * from its seed. `MODEL_SEED` picks the seed (default the fuzz tests' fixed `DEFAULT_FUZZ_SEED`,
 * so `npm test` is deterministic; `MODEL_SEED=random` explores), `MODEL_RUNS` the number of runs.
 */
import { DEFAULT_FUZZ_SEED } from '../fuzz-support.ts';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, chance: (p) => next() < p, pick: (items) => items[int(items.length)] as never };
}

/** The seed of this process's model runs (printed with every failure). */
export function modelSeed(): number {
  const raw = process.env['MODEL_SEED'];
  if (raw === undefined || raw === '') return DEFAULT_FUZZ_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`MODEL_SEED must be an integer or "random", got ${JSON.stringify(raw)}`);
  return seed;
}

/** How many runs: `MODEL_RUNS`, else the CI-sized default given. */
export function modelRuns(ciRuns: number): number {
  const raw = process.env['MODEL_RUNS'];
  if (raw === undefined || raw === '') return ciRuns;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`MODEL_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return runs;
}
