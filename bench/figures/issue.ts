/**
 * Figure 1: token-issue throughput of `POST /users/:sid/password/reset` against a bare Express
 * route behind the same Authorizer that does nothing. Memory stores, and PostgreSQL stores when
 * DATABASE_URL is set (a `pg` Pool in a fresh schema per run, dropped after it); autocannon in
 * this process, the server in a child. Both routes are measured in the same server, one after
 * the other, in an order that alternates between runs; the ratio is taken within each run. On
 * PostgreSQL, every statement the server sends on a pooled connection is counted (its `query`
 * wrapped), and divided by the issues answered: round trips per issue.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round } from '../support/stats.ts';
import { ADMIN_SESSION, TARGET_USER_ID, targetUserId } from '../server.ts';

const CONNECTIONS = 10;
const SEGMENT_SECONDS = 2;

/**
 * Users the PostgreSQL rows spread their issues over, round-robin: enough that two issues for one
 * user never overlap even when a request stalls for a few hundred ms on this shared machine (two
 * that do may answer 409 by design, and the figure wants every answer 2xx).
 */
const PG_TARGETS = 1000;

async function cannon(
  port: number,
  paths: readonly string[],
  seconds: number,
): Promise<{ requests: number; seconds: number; p99: number; non2xx: number; errors: number; statuses: string }> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${paths[0]}`,
    method: 'POST',
    headers: { 'x-authentication': ADMIN_SESSION },
    requests: [
      {
        setupRequest: (request) => {
          next = (next + 1) % paths.length;
          return { ...request, path: paths[next] as string };
        },
      },
    ],
    connections: CONNECTIONS,
    duration: seconds,
  });
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, { count }]) => `${code}: ${count}`)
    .join(', ');
  return { requests: result.requests.total, seconds: result.duration, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, statuses };
}

interface IssueRow {
  bare: number;
  router: number;
  ratio: number;
  bareP99: number;
  routerP99: number;
  bareCpu: number;
  routerCpu: number;
  cpuRatio: number;
  /** Statements sent to PostgreSQL per issue (0 on memory stores), and per bare request (0). */
  roundTrips: number;
  bareRoundTrips: number;
}

async function measureRuns(options: BenchOptions, store: 'memory' | 'postgres', url: string): Promise<IssueRow[]> {
  // On PostgreSQL, each issue locks its user until it commits: spread over users, the figure measures the issue, not one user's queue.
  const targets = store === 'postgres' ? Array.from({ length: PG_TARGETS }, (_, i) => targetUserId(i)) : [TARGET_USER_ID];
  const routes = { bare: targets.map((id) => `/bare/users/${id}/password/reset`), router: targets.map((id) => `/rbac-api/v1/users/${id}/password/reset`) };
  const rows: IssueRow[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const schema = `bench_issue_${randomBytes(4).toString('hex')}`;
    const server = await startServerChild({
      hasher: 'default',
      cost: options.cost,
      changers: 0,
      ...(store === 'postgres' ? { postgres: { url, schema }, extraTargets: PG_TARGETS - 1 } : {}),
    });
    try {
      // Warm-up: JIT both paths before measuring.
      await cannon(server.port, routes.bare, 1);
      await cannon(server.port, routes.router, 1);
      // The two sides alternate in short segments (A B A B ... then B A B A ... next run), so a
      // burst of outside load on this shared machine lands on both sides alike.
      const segments = Math.max(1, Math.round(options.duration / SEGMENT_SECONDS));
      const side0 = () => ({ requests: 0, seconds: 0, cpu: 0, queries: 0, p99: [] as number[] });
      const totals = { bare: side0(), router: side0() };
      for (let segment = 0; segment < segments * 2; segment += 1) {
        const side = (segment + run) % 2 === 0 ? 'bare' : 'router';
        const cpuBefore = await server.cpuMicros();
        const queriesBefore = await server.queries();
        const got = await cannon(server.port, routes[side], options.duration / segments);
        totals[side].cpu += (await server.cpuMicros()) - cpuBefore;
        totals[side].queries += (await server.queries()) - queriesBefore;
        if (got.non2xx + got.errors > 0)
          throw new Error(`figure 1 (${store}): ${got.non2xx} non-2xx answers and ${got.errors} errors on the ${side} route (status codes ${got.statuses})`);
        totals[side].requests += got.requests;
        totals[side].seconds += got.seconds;
        totals[side].p99.push(got.p99);
      }
      const bare = { rps: totals.bare.requests / totals.bare.seconds, p99: median(totals.bare.p99), cpu: totals.bare.cpu / totals.bare.requests };
      const router = { rps: totals.router.requests / totals.router.seconds, p99: median(totals.router.p99), cpu: totals.router.cpu / totals.router.requests };
      const row: IssueRow = {
        bare: bare.rps,
        router: router.rps,
        ratio: router.rps / bare.rps,
        bareP99: bare.p99,
        routerP99: router.p99,
        bareCpu: bare.cpu,
        routerCpu: router.cpu,
        cpuRatio: bare.cpu / router.cpu,
        roundTrips: totals.router.queries / totals.router.requests,
        bareRoundTrips: totals.bare.queries / totals.bare.requests,
      };
      rows.push(row);
      options.log(
        `issue (${store}) run ${run}: bare ${round(row.bare, 0)} req/s, router ${round(row.router, 0)} req/s, ratio ${round(row.ratio)}; server CPU per request: bare ${round(row.bareCpu, 0)} µs, router ${round(row.routerCpu, 0)} µs, ratio ${round(row.cpuRatio)}${store === 'postgres' ? `; round trips per issue ${round(row.roundTrips, 2)} (bare ${round(row.bareRoundTrips, 2)})` : ''}`,
      );
    } finally {
      await server.stop();
      if (store === 'postgres') {
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      }
    }
  }
  return rows;
}

export async function issueFigure(options: BenchOptions): Promise<FigureReport> {
  const url = process.env['DATABASE_URL'] ?? '';
  const memory = await measureRuns(options, 'memory', url);
  const postgres = url === '' ? [] : await measureRuns(options, 'postgres', url);
  const ratio = median(memory.map((r) => r.ratio));
  const tableRows = (rows: IssueRow[], label: string, roundTrips: boolean) => [
    [
      `bare route, same Authorizer, does nothing${label}`,
      round(median(rows.map((r) => r.bare)), 0),
      median(rows.map((r) => r.bareP99)),
      1,
      round(median(rows.map((r) => r.bareCpu)), 0),
      1,
      roundTrips ? round(median(rows.map((r) => r.bareRoundTrips)), 2) : '-',
    ],
    [
      `POST /users/:sid/password/reset${label}`,
      round(median(rows.map((r) => r.router)), 0),
      median(rows.map((r) => r.routerP99)),
      round(median(rows.map((r) => r.ratio))),
      round(median(rows.map((r) => r.routerCpu)), 0),
      round(median(rows.map((r) => r.cpuRatio))),
      roundTrips ? round(median(rows.map((r) => r.roundTrips)), 2) : '-',
    ],
  ];
  const goals: FigureReport['goals'] = [{ text: `ratio >= 0.7 (measured ${round(ratio)})`, met: ratio >= 0.7 }];
  const notes = [
    `autocannon, ${CONNECTIONS} connections, ${options.duration} s per route in segments of about ${SEGMENT_SECONDS} s that alternate between the two routes, after a 1 s warm-up of each; ${options.runs} runs, a fresh server each run; req/s = requests / seconds summed over a side's segments. Memory stores; the caller is an admin session (X-Authentication header), the target one local user, so each issue supersedes the previous token (the store stays at one record). Answers are text/plain; every answer was checked to be 2xx.`,
  ];
  if (postgres.length > 0) {
    const pgRatio = median(postgres.map((r) => r.ratio));
    const trips = median(postgres.map((r) => r.roundTrips));
    goals.push({ text: `PostgreSQL: ratio >= 0.85 (measured ${round(pgRatio)})`, met: pgRatio >= 0.85 });
    goals.push({ text: `PostgreSQL: <= 4 round trips per issue (measured ${round(trips, 2)})`, met: trips <= 4 });
    notes.push(
      `PostgreSQL rows: the same server and load on \`createPostgresStores\` over a \`pg\` Pool of 10 connections to the real server (${url.replace(/\/\/[^@]*@/, '//')}), in a fresh schema \`bench_issue_*\` per run (created by the server, dropped after the run); the sessions stay in memory, so the bare route sends no statement. Both routes go round-robin over ${PG_TARGETS} target users (each issue holds its user's lock until it commits, and of concurrent issues for one user the superseded ones answer 409 by design: one user would measure its queue, not the issue). Round trips = every \`query\` call on a pooled connection during the route's segments / the issues autocannon counted: BEGIN and COMMIT sent on their own count one each, a script of several statements sent as one query (the store's issue) counts one; requests still in flight when a segment ends add about ${CONNECTIONS} x trips / requests (a few hundredths). Server CPU is the Node process's alone: PostgreSQL's backends share the same cores and are not in it, and each issue waits for its commit to be flushed to the WAL. The tokens table grows by one row per issue (each supersedes the last; nothing purges during the run).`,
    );
  }
  return {
    id: 'issue',
    title: '1. Token-issue throughput',
    table: [
      ['route', 'req/s', 'p99 ms', 'req/s ratio to bare', 'server CPU µs / request', 'CPU ratio (bare / route)', 'PostgreSQL round trips / request'],
      ...tableRows(memory, '', false),
      ...(postgres.length > 0 ? tableRows(postgres, ' (PostgreSQL stores)', true) : []),
    ],
    goals,
    notes,
  };
}
