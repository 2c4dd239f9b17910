/**
 * Figure 1: token-issue throughput of `POST /users/:sid/password/reset` against a bare Express
 * route behind the same Authorizer that does nothing. Memory stores; autocannon in this process,
 * the server in a child. Both routes are measured in the same server, one after the other, in
 * an order that alternates between runs; the ratio is taken within each run.
 */
import autocannon from 'autocannon';
import { startServerChild } from '../lib/child.ts';
import type { BenchOptions, FigureReport } from '../lib/figure.ts';
import { median, round, sleep } from '../lib/stats.ts';
import { ADMIN_SESSION, TARGET_USER_ID } from '../server.ts';

const CONNECTIONS = 10;

async function cannon(port: number, path: string, seconds: number): Promise<{ rps: number; p99: number; non2xx: number; errors: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'x-authentication': ADMIN_SESSION },
    connections: CONNECTIONS,
    duration: seconds,
  });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

export async function issueFigure(options: BenchOptions): Promise<FigureReport> {
  const routes = { bare: `/bare/users/${TARGET_USER_ID}/password/reset`, router: `/rbac-api/v1/users/${TARGET_USER_ID}/password/reset` };
  const rows: { bare: number; router: number; ratio: number; bareP99: number; routerP99: number }[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const server = await startServerChild({ hasher: 'default', cost: options.cost, changers: 0 });
    try {
      // Warm-up: JIT both paths before measuring.
      await cannon(server.port, routes.bare, 1);
      await cannon(server.port, routes.router, 1);
      const order = run % 2 === 1 ? (['bare', 'router'] as const) : (['router', 'bare'] as const);
      const got: Partial<Record<'bare' | 'router', Awaited<ReturnType<typeof cannon>>>> = {};
      for (const side of order) {
        got[side] = await cannon(server.port, routes[side], options.duration);
        await sleep(200);
      }
      const bare = got.bare!;
      const router = got.router!;
      if (bare.non2xx + bare.errors + router.non2xx + router.errors > 0) {
        throw new Error(`figure 1: unexpected failures (bare ${bare.non2xx} non-2xx/${bare.errors} errors, router ${router.non2xx}/${router.errors})`);
      }
      const row = { bare: bare.rps, router: router.rps, ratio: router.rps / bare.rps, bareP99: bare.p99, routerP99: router.p99 };
      rows.push(row);
      options.log(`issue run ${run}: bare ${round(row.bare, 0)} req/s, router ${round(row.router, 0)} req/s, ratio ${round(row.ratio)}`);
    } finally {
      await server.stop();
    }
  }
  const ratio = median(rows.map((r) => r.ratio));
  return {
    id: 'issue',
    title: '1. Token-issue throughput',
    table: [
      ['route', 'req/s (median)', 'p99 ms (median)', 'ratio to bare (median of per-run ratios)'],
      ['bare route, same Authorizer, does nothing', round(median(rows.map((r) => r.bare)), 0), median(rows.map((r) => r.bareP99)), 1],
      ['POST /users/:sid/password/reset', round(median(rows.map((r) => r.router)), 0), median(rows.map((r) => r.routerP99)), round(ratio)],
    ],
    goals: [{ text: `ratio >= 0.7 (measured ${round(ratio)})`, met: ratio >= 0.7 }],
    notes: [
      `autocannon, ${CONNECTIONS} connections, ${options.duration} s per route after a 1 s warm-up of each, ${options.runs} runs (a fresh server each run, order of the two routes alternating). Memory stores; the caller is an admin session (X-Authentication header), the target one local user, so each issue supersedes the previous token (the store stays at one record). Answers are text/plain; every answer was checked to be 2xx.`,
    ],
  };
}
