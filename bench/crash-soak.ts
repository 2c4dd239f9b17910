/**
 * Crash soak (issue 25, part 3), on demand:
 *
 *   npx tsx bench/crash-soak.ts [--minutes N] [--store pglite|postgres|both] [--seed S] [--workers W]
 *   npm run soak -- --minutes 2
 *
 * Starts the reference server as `npm start` does, in a process group of its own, on a fresh
 * PGlite directory or a fresh database of DATABASE_URL's server, and drives a mixed load on it
 * (soak-load.ts) for N minutes of load time. At three moments drawn from the seed it kills the
 * whole group with SIGKILL mid-load, starts it again on the same data and checks: it starts
 * with no manual cleanup, every acknowledged password change and reset still signs in, every
 * redeemed reset token is still refused. At the end it sends SIGTERM under load and checks that
 * every request in progress was answered (no 500) and that the server exited 0 within 10 s, then
 * restarts and checks the ledger once more. The server's RSS is sampled every second; the last
 * run (the longest, over a third of the load time) must not grow by more than a margin.
 * Exit code 1 when anything failed; each problem is printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startServerGroup, type ServerGroup } from './support/server-group.ts';
import { type Account, call, newTally, type Tally } from './support/soak-client.ts';
import { ADMIN_PASSWORD, SoakLoad, seededRandom } from './support/soak-load.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    store: { type: 'string', default: 'both' },
    seed: { type: 'string', default: '25' },
    workers: { type: 'string', default: '4' },
    users: { type: 'string', default: '12' },
  },
});
const MINUTES = Number(values.minutes);
const SEED = Number(values.seed);
const WORKERS = Number(values.workers);
const USERS = Number(values.users);
const STORES = values.store === 'both' ? ['pglite', 'postgres'] : [values.store];
if (!(MINUTES > 0) || !Number.isInteger(SEED) || !(WORKERS > 0) || !(USERS > 0) || STORES.some((store) => store !== 'pglite' && store !== 'postgres')) {
  console.error('usage: tsx bench/crash-soak.ts [--minutes N>0] [--store pglite|postgres|both] [--seed integer] [--workers W] [--users U]');
  process.exit(2);
}

/** How long SIGTERM may take under load, and how much the last run's RSS may grow (see `memoryProblems`). */
const STOP_BOUND_MS = 10_000;
const RSS_GROWTH_RATIO = 1.15;
const RSS_GROWTH_SLACK = 16 * 1024 * 1024;

interface Sample {
  readonly run: number;
  readonly at: number;
  readonly rss: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Three kill moments (ms of load time), one drawn in each third of [10 %, 65 %] of the load time. */
function killMoments(totalMs: number, random: () => number): number[] {
  const from = 0.1 * totalMs;
  const slot = (0.55 * totalMs) / 3;
  return [0, 1, 2].map((i) => Math.round(from + slot * (i + random())));
}

async function soak(store: string): Promise<boolean> {
  const random = seededRandom(SEED);
  const tally: Tally = newTally();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'rbac-soak-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(workDir, { recursive: true, force: true })];
  const env: Record<string, string> = {
    RBAC_BCRYPT_COST: '4',
    RBAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RBAC_SEED: path.join(workDir, 'seed.json'),
  };
  if (store === 'pglite') {
    env.RBAC_STORE = 'pglite';
    env.RBAC_DATA_DIR = path.join(workDir, 'data');
  } else {
    const url = process.env.DATABASE_URL;
    if (url === undefined || url === '') {
      console.log('postgres: skipped, DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
      return true;
    }
    const name = `rbac_soak_${SEED}_${process.pid}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin(`CREATE DATABASE "${name}"`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    const own = new URL(url);
    own.pathname = `/${name}`;
    env.RBAC_STORE = 'postgres';
    env.DATABASE_URL = own.toString();
  }
  const seedUsers = Array.from({ length: USERS }, (_, i) => ({ login: `soaker${String(i + 1).padStart(2, '0')}`, password: `Seed-${SEED}-${i}-Garden!k` }));
  writeFileSync(env.RBAC_SEED as string, JSON.stringify({ users: seedUsers }));

  const totalMs = MINUTES * 60_000;
  const kills = killMoments(totalMs, random);
  console.log(
    `${store}: ${MINUTES} min of load, ${WORKERS} workers, ${USERS} users, seed ${SEED}; SIGKILL at ${kills.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}, SIGTERM at the end`,
  );

  const samples: Sample[] = [];
  const starts: number[] = [];
  const sigterm: string[] = [];
  let group: ServerGroup | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let run = 0;
  const startRun = async (label: string): Promise<ServerGroup | undefined> => {
    try {
      const started = await startServerGroup(env);
      starts.push(started.startMs);
      const sampling = run;
      sampler = setInterval(() => {
        const rss = started.rss();
        if (rss !== undefined) samples.push({ run: sampling, at: Date.now(), rss });
      }, 1000);
      return started;
    } catch (error) {
      tally.problems.push(`${label}: the server did not start on the same data without manual cleanup: ${(error as Error).message}`);
      if (store === 'pglite') {
        tally.problems.push(
          `to recover by hand: stop every process using ${env.RBAC_DATA_DIR}, then remove its lock file (${path.join(env.RBAC_DATA_DIR as string, 'lock')}) and start again; if PGlite itself refuses the directory, restore it from a backup`,
        );
      }
      return undefined;
    }
  };
  const stopSampling = () => {
    clearInterval(sampler);
    run += 1;
  };

  try {
    group = await startRun('first start');
    if (group === undefined) return report(store, tally, samples, starts, sigterm);
    const users = await call(group.base, 'GET', '/users', undefined, await adminToken(group.base));
    const ids = new Map((users.body as unknown as Array<{ login: string; id: string }>).map((user) => [user.login, user.id]));
    const accounts: Account[] = seedUsers.map((user) => ({ login: user.login, id: ids.get(user.login) as string, password: user.password, unsure: [], failures: 0, busy: false }));
    const load = new SoakLoad(accounts, random, tally, SEED);

    let elapsed = 0;
    for (const [index, moment] of kills.entries()) {
      load.start(group.base, WORKERS);
      await sleep(moment - elapsed);
      elapsed = moment;
      load.expectingLoss = true;
      const inFlight = load.inFlight;
      await group.kill();
      await load.stop();
      stopSampling();
      console.log(`  SIGKILL ${index + 1} at ${(moment / 1000).toFixed(1)} s with ${inFlight} request(s) in flight`);
      group = await startRun(`restart after SIGKILL ${index + 1}`);
      if (group === undefined) return report(store, tally, samples, starts, sigterm);
      const checked = await load.verify(group.base, `after SIGKILL ${index + 1}`);
      console.log(`    restarted in ${starts.at(-1)} ms; checked ${checked.accounts} accounts and ${checked.tokens} redeemed tokens`);
    }

    // The last run: load to the end, then SIGTERM under load.
    load.start(group.base, WORKERS);
    await sleep(totalMs - elapsed);
    load.watch = { since: Date.now(), outcomes: [] };
    load.expectingLoss = true;
    const inFlight = load.inFlight;
    const signalled = Date.now();
    group.terminate();
    const code = await Promise.race([group.exited, sleep(STOP_BOUND_MS * 2).then(() => 'timeout' as const)]);
    const stopMs = Date.now() - signalled;
    await load.stop();
    stopSampling();
    const watched = load.watch.outcomes;
    load.watch = undefined;
    const inProgress = watched.filter((entry) => entry.sentBefore);
    const answered = inProgress.filter((entry) => entry.outcome.status !== 0);
    const later = watched.filter((entry) => !entry.sentBefore);
    const byStatus = (entries: typeof watched) =>
      Object.entries(
        entries.reduce<Record<string, number>>((counts, { outcome }) => {
          const key = outcome.status === 0 ? (outcome.error ?? 'no answer') : String(outcome.status);
          counts[key] = (counts[key] ?? 0) + 1;
          return counts;
        }, {}),
      )
        .map(([key, n]) => `${key} ×${n}`)
        .join(', ') || 'none';
    sigterm.push(
      `SIGTERM with ${inFlight} request(s) in flight: exit code ${code} after ${stopMs} ms`,
      `  requests in progress at the signal: ${byStatus(inProgress)}`,
      `  requests sent after it: ${byStatus(later)}`,
    );
    if (code === 'timeout' || stopMs > STOP_BOUND_MS) tally.problems.push(`SIGTERM under load: the server took ${stopMs} ms to exit (bound ${STOP_BOUND_MS} ms)`);
    if (code !== 0 && code !== 'timeout') tally.problems.push(`SIGTERM under load: exit code ${code}, not 0`);
    if (answered.length < inProgress.length) tally.problems.push(`SIGTERM under load: ${inProgress.length - answered.length} request(s) in progress got no answer`);
    if (watched.some(({ outcome }) => outcome.status >= 500 && outcome.status !== 503)) tally.problems.push('SIGTERM under load: a request was answered 5xx');
    if (code === 'timeout') await group.kill();

    group = await startRun('restart after SIGTERM');
    if (group === undefined) return report(store, tally, samples, starts, sigterm);
    const checked = await load.verify(group.base, 'after SIGTERM');
    console.log(`  SIGTERM: exit code ${code} after ${stopMs} ms; restarted in ${starts.at(-1)} ms; checked ${checked.accounts} accounts and ${checked.tokens} redeemed tokens`);
    group.terminate();
    await group.exited;
    stopSampling();
    tally.problems.push(...memoryProblems(samples, kills.length));
    return report(store, tally, samples, starts, sigterm);
  } finally {
    clearInterval(sampler);
    if (group !== undefined) await group.kill();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(`cleanup failed: ${(error as Error).message}`));
  }
}

async function adminToken(base: string): Promise<string | undefined> {
  const answer = await call(base, 'POST', '/auth/token', { login: 'admin', password: ADMIN_PASSWORD });
  return answer.status === 200 ? String(answer.body['token']) : undefined;
}

/** RSS of one run after its first 20 % (start-up, JIT): the median of its middle third and of its last third. */
function steadyRss(samples: readonly Sample[], run: number): { middle: number; last: number; peak: number } | undefined {
  const own = samples.filter((sample) => sample.run === run).map((sample) => sample.rss);
  const steady = own.slice(Math.floor(own.length * 0.2));
  if (steady.length < 6) return undefined;
  const third = Math.floor(steady.length / 3);
  const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return { middle: median(steady.slice(third, 2 * third)), last: median(steady.slice(2 * third)), peak: Math.max(...own) };
}

/** The longest run (the one after the last SIGKILL) must not grow past the margin. */
function memoryProblems(samples: readonly Sample[], lastRun: number): string[] {
  const steady = steadyRss(samples, lastRun);
  if (steady === undefined) return [`memory: too few RSS samples in the last run to judge (run longer, e.g. --minutes 2)`];
  const bound = steady.middle * RSS_GROWTH_RATIO + RSS_GROWTH_SLACK;
  return steady.last > bound ? [`memory: the last run's RSS grew from ${mib(steady.middle)} to ${mib(steady.last)} (bound ${mib(bound)})`] : [];
}

function report(store: string, tally: Tally, samples: readonly Sample[], starts: readonly number[], sigterm: readonly string[]): boolean {
  console.log(`\n${store}: results`);
  for (const [what, n] of Object.entries(tally.counts).sort()) console.log(`  ${what}: ${n}`);
  console.log(`  start times (ms): ${starts.join(', ')}`);
  const runs = [...new Set(samples.map((sample) => sample.run))];
  for (const run of runs) {
    const steady = steadyRss(samples, run);
    const own = samples.filter((sample) => sample.run === run);
    const first = own[0]?.rss ?? 0;
    console.log(
      `  RSS run ${run + 1} (${own.length} s): first ${mib(first)}, peak ${mib(Math.max(...own.map((s) => s.rss)))}${steady === undefined ? '' : `, steady middle ${mib(steady.middle)}, last ${mib(steady.last)}`}`,
    );
  }
  for (const line of sigterm) console.log(`  ${line}`);
  if (tally.problems.length === 0) console.log(`  no problems`);
  else {
    // One line per distinct problem: a lost password is found again on every later operation of its account.
    const distinct = new Map<string, number>();
    for (const problem of tally.problems) distinct.set(problem, (distinct.get(problem) ?? 0) + 1);
    for (const [problem, times] of distinct) console.log(`  PROBLEM: ${problem}${times > 1 ? ` (×${times})` : ''}`);
  }
  return tally.problems.length === 0;
}

let ok = true;
for (const store of STORES) ok = (await soak(store as string)) && ok;
process.exit(ok ? 0 : 1);
