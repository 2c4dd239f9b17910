/**
 * Figure 7: flood fairness. 64 concurrent sign-in loops from 127.0.0.2 (a process of its own, at
 * the lowest CPU priority), and one client at 127.0.0.3 that signs in once a second. Its
 * latency is measured idle (no flood) and under the flood, on the fair pool (keys = client
 * addresses, the router's default) and, in the same run, on today's FIFO pool (one key whose
 * bound is the whole queue, which is exactly the single queue the pool had before).
 */
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import type { FloodConfig } from '../support/flood-child.ts';
import { newAgent, send, type Timed } from '../support/http-client.ts';
import { median, quantile, round, sleep } from '../support/stats.ts';
import { PASSWORDS, type ServerConfig } from '../server.ts';

const FLOOD_LOOPS = 64;
const IDLE_SAMPLES = 10;
const FLOOD_SAMPLES = 20;
const FLOOD_SETTLE_MS = 3000;
const FLOODER = '127.0.0.2';
const CLIENT = '127.0.0.3';
const FLOOD_CHILD = fileURLToPath(new URL('../support/flood-child.ts', import.meta.url));

const signIn = (login: string) => JSON.stringify({ login, password: PASSWORDS[0] });

/** Signs in once a second (open loop: a slow answer does not delay the next), `count` times. */
async function pacedSignIns(port: number, count: number): Promise<Timed[]> {
  const agent = newAgent(count, CLIENT);
  const answers: Promise<Timed>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    answers.push(send(agent, port, 'POST', '/login', {}, signIn('bench-target')).catch(() => ({ status: 0, ms: Number.NaN })));
    const wait = start + (i + 1) * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const result = await Promise.all(answers);
  agent.destroy();
  return result;
}

async function startFlood(port: number): Promise<{ counts(): Promise<Record<string, number>>; stop(): Promise<void> }> {
  const config: FloodConfig = { port, loops: FLOOD_LOOPS, localAddress: FLOODER, body: signIn('bench-admin') };
  const child = fork(FLOOD_CHILD, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (child.pid !== undefined) setPriority(child.pid, 19);
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return {
    counts: () =>
      new Promise((resolve) => {
        child.once('message', (message: { counts: Record<string, number> }) => resolve(message.counts));
        child.send({ type: 'counts' });
      }),
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface Side {
  idle: Timed[];
  flood: Timed[];
  floodCounts: Record<string, number>;
  /** One bcrypt job's run time while the flood ran: workers x window / jobs completed. */
  jobMs: number;
}

async function measure(config: ServerConfig): Promise<Side> {
  const server = await startServerChild(config);
  try {
    // Warm-up: the pool's workers start, the JIT settles.
    await pacedSignIns(server.port, 2);
    const idle = await pacedSignIns(server.port, IDLE_SAMPLES);
    const flood = await startFlood(server.port);
    try {
      await sleep(FLOOD_SETTLE_MS);
      const before = await flood.counts();
      const poolBefore = await server.stats();
      const t0 = performance.now();
      const under = await pacedSignIns(server.port, FLOOD_SAMPLES);
      const poolAfter = await server.stats();
      const jobMs = ((poolAfter?.size ?? Number.NaN) * (performance.now() - t0)) / ((poolAfter?.completed ?? 0) - (poolBefore?.completed ?? 0));
      const after = await flood.counts();
      const floodCounts = Object.fromEntries(Object.entries(after).map(([status, n]) => [status, n - (before[status] ?? 0)]));
      return { idle, flood: under, floodCounts, jobMs };
    } finally {
      await flood.stop();
    }
  } finally {
    await server.stop();
  }
}

const ok = (answers: Timed[]) => answers.filter((a) => a.status === 200).map((a) => a.ms);
const p99 = (values: number[]) => quantile(values, 0.99);
const statuses = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n}x${status}`)
    .join(' ');

function countStatuses(answers: Timed[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of answers) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

export async function fairnessFigure(options: BenchOptions): Promise<FigureReport> {
  const modes = [
    { name: 'fair', label: 'fair pool (keys = client addresses, the default)', server: { hasher: 'default', cost: options.cost, changers: 0, keying: 'address' } as ServerConfig },
    { name: 'fifo', label: 'today’s pool (one FIFO queue)', server: { hasher: 'default', cost: options.cost, changers: 0, keying: 'single' } as ServerConfig },
  ];
  const results = new Map<string, Side[]>(modes.map((m) => [m.name, []]));
  for (let run = 1; run <= options.runs; run += 1) {
    // Alternate which side goes first, so a burst of outside load does not always hit the same one.
    const order = run % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      const side = await measure(mode.server);
      results.get(mode.name)?.push(side);
      options.log(
        `fairness run ${run} ${mode.name}: idle p50 ${round(median(ok(side.idle)))} ms p99 ${round(p99(ok(side.idle)))} ms; ` +
          `job run time under flood ${round(side.jobMs)} ms; under flood ${ok(side.flood).length}/${side.flood.length} answered 200, p50 ${round(median(ok(side.flood)))} ms p99 ${round(p99(ok(side.flood)))} ms ` +
          `(other answers: ${statuses(countStatuses(side.flood.filter((a) => a.status !== 200))) || 'none'}); flood answers ${statuses(side.floodCounts)}`,
      );
    }
  }
  const rows = modes.map((mode) => {
    const sides = results.get(mode.name) ?? [];
    const idle = sides.flatMap((s) => ok(s.idle));
    const under = sides.flatMap((s) => ok(s.flood));
    const total = sides.reduce((n, s) => n + s.flood.length, 0);
    const ratios = sides.map((s) => p99(ok(s.flood)) / p99(ok(s.idle)));
    const jobRatios = sides.map((s) => median(ok(s.flood)) / s.jobMs);
    const flood = sides.map((s) => statuses(s.floodCounts)).join('; ');
    return {
      mode,
      ratio: median(ratios),
      answered: under.length / total,
      cells: [
        mode.label,
        round(median(idle)),
        round(p99(idle)),
        `${under.length}/${total}`,
        round(median(under)),
        round(p99(under)),
        round(median(ratios)),
        round(median(sides.map((s) => s.jobMs))),
        round(median(jobRatios)),
        flood,
      ],
    };
  });
  const fair = rows.find((r) => r.mode.name === 'fair');
  const fifo = rows.find((r) => r.mode.name === 'fifo');
  return {
    id: 'fairness',
    title: `7. Flood fairness at cost ${options.cost}: ${FLOOD_LOOPS} sign-in loops from ${FLOODER}, one sign-in a second from ${CLIENT}`,
    table: [
      [
        'pool',
        'idle p50 ms',
        'idle p99 ms',
        'under flood: answered 200',
        'under flood p50 ms',
        'under flood p99 ms',
        'p99 under flood / idle p99 (median of runs)',
        'one job’s run time under flood, ms',
        'p50 under flood / job run time',
        'flood’s own answers, per run',
      ],
      ...rows.map((r) => r.cells),
    ],
    goals: [
      {
        text: `fair pool: the other client's p99 under the flood <= 2.5x its idle p99, every sign-in answered 200 (measured ${round(fair?.ratio ?? Number.NaN)}x, ${round((fair?.answered ?? 0) * 100)}% answered 200)`,
        met: fair !== undefined && fair.ratio <= 2.5 && fair.answered === 1,
      },
      {
        text: `today's FIFO pool, same run, for comparison (measured ${round(fifo?.ratio ?? Number.NaN)}x, ${round((fifo?.answered ?? 0) * 100)}% answered 200)`,
        met: null,
      },
    ],
    notes: [
      `Per run and pool: a fresh server child (the router's default pool, ${'`'}availableParallelism()${'`'} workers, queue workers x 16), 2 warm-up sign-ins, ${IDLE_SAMPLES} paced sign-ins from ${CLIENT} with no other load (idle), then the flood from ${FLOODER} (${FLOOD_LOOPS} keep-alive loops in a child process at nice 19, each sending the next sign-in as soon as the last is answered, 429 and 503 included), ${FLOOD_SETTLE_MS / 1000} s of settling, and ${FLOOD_SAMPLES} paced sign-ins from ${CLIENT} (open loop, one a second). Sign-ins go to the host's ${'`'}POST /login${'`'} on ${'`'}verifyLogin${'`'} with ${'`'}router.callContext(req)${'`'}; every stored hash has cost ${options.cost}. "Today's pool" is the same code with one fairness key for every request and a per-key bound equal to the whole queue: one FIFO queue bounded at workers x 16, then 503, as the pool was before fair scheduling. "One job's run time" is the pool's workers x the window / jobs it completed meanwhile: on this shared 2-core machine a busy pool's jobs run slower than a lone idle one (the flood keeps every worker busy, competing with the main thread and other processes), so "p50 under flood / job run time" shows the scheduling alone: about 1.3 when the client's job starts at the next free worker (a third of a job's wait on average with 2 workers, then its own run), and many jobs' worth when it waits behind a queue. The ratio is p99 over p99 within one run (both pools measured one after the other, order alternating between runs), then the median over runs; p99 of ${FLOOD_SAMPLES} samples is their maximum.`,
    ],
  };
}
