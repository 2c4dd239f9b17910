/**
 * Figure 1: token-issue throughput of `POST /users/:sid/password/reset` against a bare Express
 * route behind the same Authorizer that does nothing. Memory stores; autocannon in this process,
 * the server in a child. Both routes are measured in the same server, one after the other, in
 * an order that alternates between runs; the ratio is taken within each run.
 */
import autocannon from 'autocannon';
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round } from '../support/stats.ts';
import { ADMIN_SESSION, TARGET_USER_ID } from '../server.ts';

const CONNECTIONS = 10;
const SEGMENT_SECONDS = 2;

async function cannon(port: number, path: string, seconds: number): Promise<{ requests: number; seconds: number; p99: number; non2xx: number; errors: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'x-authentication': ADMIN_SESSION },
    connections: CONNECTIONS,
    duration: seconds,
  });
  return { requests: result.requests.total, seconds: result.duration, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

export async function issueFigure(options: BenchOptions): Promise<FigureReport> {
  const routes = { bare: `/bare/users/${TARGET_USER_ID}/password/reset`, router: `/rbac-api/v1/users/${TARGET_USER_ID}/password/reset` };
  const rows: { bare: number; router: number; ratio: number; bareP99: number; routerP99: number; bareCpu: number; routerCpu: number; cpuRatio: number }[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const server = await startServerChild({ hasher: 'default', cost: options.cost, changers: 0 });
    try {
      // Warm-up: JIT both paths before measuring.
      await cannon(server.port, routes.bare, 1);
      await cannon(server.port, routes.router, 1);
      // The two sides alternate in short segments (A B A B ... then B A B A ... next run), so a
      // burst of outside load on this shared machine lands on both sides alike.
      const segments = Math.max(1, Math.round(options.duration / SEGMENT_SECONDS));
      const totals = { bare: { requests: 0, seconds: 0, cpu: 0, p99: [] as number[] }, router: { requests: 0, seconds: 0, cpu: 0, p99: [] as number[] } };
      for (let segment = 0; segment < segments * 2; segment += 1) {
        const side = (segment + run) % 2 === 0 ? 'bare' : 'router';
        const cpuBefore = await server.cpuMicros();
        const got = await cannon(server.port, routes[side], options.duration / segments);
        totals[side].cpu += (await server.cpuMicros()) - cpuBefore;
        if (got.non2xx + got.errors > 0) throw new Error(`figure 1: ${got.non2xx} non-2xx answers and ${got.errors} errors on the ${side} route`);
        totals[side].requests += got.requests;
        totals[side].seconds += got.seconds;
        totals[side].p99.push(got.p99);
      }
      const bare = { rps: totals.bare.requests / totals.bare.seconds, p99: median(totals.bare.p99), cpu: totals.bare.cpu / totals.bare.requests };
      const router = { rps: totals.router.requests / totals.router.seconds, p99: median(totals.router.p99), cpu: totals.router.cpu / totals.router.requests };
      const row = {
        bare: bare.rps,
        router: router.rps,
        ratio: router.rps / bare.rps,
        bareP99: bare.p99,
        routerP99: router.p99,
        bareCpu: bare.cpu,
        routerCpu: router.cpu,
        cpuRatio: bare.cpu / router.cpu,
      };
      rows.push(row);
      options.log(
        `issue run ${run}: bare ${round(row.bare, 0)} req/s, router ${round(row.router, 0)} req/s, ratio ${round(row.ratio)}; server CPU per request: bare ${round(row.bareCpu, 0)} µs, router ${round(row.routerCpu, 0)} µs, ratio ${round(row.cpuRatio)}`,
      );
    } finally {
      await server.stop();
    }
  }
  const ratio = median(rows.map((r) => r.ratio));
  return {
    id: 'issue',
    title: '1. Token-issue throughput',
    table: [
      ['route', 'req/s', 'p99 ms', 'req/s ratio to bare', 'server CPU µs / request', 'CPU ratio (bare / route)'],
      [
        'bare route, same Authorizer, does nothing',
        round(median(rows.map((r) => r.bare)), 0),
        median(rows.map((r) => r.bareP99)),
        1,
        round(median(rows.map((r) => r.bareCpu)), 0),
        1,
      ],
      [
        'POST /users/:sid/password/reset',
        round(median(rows.map((r) => r.router)), 0),
        median(rows.map((r) => r.routerP99)),
        round(ratio),
        round(median(rows.map((r) => r.routerCpu)), 0),
        round(median(rows.map((r) => r.cpuRatio))),
      ],
    ],
    goals: [{ text: `ratio >= 0.7 (measured ${round(ratio)})`, met: ratio >= 0.7 }],
    notes: [
      `autocannon, ${CONNECTIONS} connections, ${options.duration} s per route in segments of about ${SEGMENT_SECONDS} s that alternate between the two routes, after a 1 s warm-up of each; ${options.runs} runs, a fresh server each run; req/s = requests / seconds summed over a side's segments. Memory stores; the caller is an admin session (X-Authentication header), the target one local user, so each issue supersedes the previous token (the store stays at one record). Answers are text/plain; every answer was checked to be 2xx.`,
    ],
  };
}
