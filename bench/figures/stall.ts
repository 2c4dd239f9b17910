/**
 * Figure 2: event-loop stall. The p99 latency of a cheap authenticated host route
 * (`GET /rbac-api/v1/users/current`, same app, same Authorizer) while 16 password changes at
 * cost 12 are kept in flight through `PUT /users/current/password`, as a ratio to the same p99
 * on the same kind of server with no change in flight. Hashers: the router's default pool
 * (size availableParallelism()), a pool of availableParallelism()-1 (min 1), and bcryptjs on the
 * main thread (`createBcryptHasher`).
 *
 * Two probes per configuration, one after the other:
 * - autocannon, 10 connections, closed loop (it saturates the route; integer ms);
 * - a paced probe (200 req/s, open loop, hrtime, sub-ms), closer to what a health check or a
 *   light API client sees.
 */
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { startChangers } from '../support/changers.ts';
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { pacedProbe } from '../support/http-client.ts';
import { median, quantile, round, sleep } from '../support/stats.ts';
import type { ServerConfig } from '../server.ts';

const IN_FLIGHT = 16;
const PROBE_RATE = 200;
const SETTLE_MS = 2000;
const MAX_WAIT_MS = 15_000;

interface Sample {
  acP50: number;
  acP99: number;
  acRps: number;
  probeP50: number;
  probeP99: number;
  probeMax: number;
  changesPerSecond: number;
  unanswered: number;
  failures: string;
}

export async function stallFigure(options: BenchOptions): Promise<FigureReport> {
  const cores = availableParallelism();
  const smaller = Math.max(1, cores - 1);
  const configs: { name: string; label: string; server: ServerConfig; load: boolean }[] = [
    { name: 'none', label: 'no hashing (baseline)', server: { hasher: 'default', cost: options.cost, changers: IN_FLIGHT }, load: false },
    { name: 'pool', label: `worker pool, default size (${cores})`, server: { hasher: 'default', cost: options.cost, changers: IN_FLIGHT }, load: true },
    ...(smaller === cores
      ? []
      : [
          {
            name: 'pool-1',
            label: `worker pool, size ${smaller} (cores - 1)`,
            server: { hasher: 'pool', poolSize: smaller, cost: options.cost, changers: IN_FLIGHT } as ServerConfig,
            load: true,
          },
        ]),
    { name: 'main', label: 'bcryptjs on the main thread', server: { hasher: 'main', cost: options.cost, changers: IN_FLIGHT }, load: true },
  ];
  const samples = new Map<string, Sample[]>(configs.map((c) => [c.name, []]));
  const seconds = options.duration;
  for (let run = 1; run <= options.runs; run += 1) {
    for (const config of configs) {
      const server = await startServerChild(config.server);
      const changers = config.load ? startChangers(server.port, IN_FLIGHT) : undefined;
      try {
        await sleep(SETTLE_MS);
        const changesBefore = changers?.completions.length ?? 0;
        const started = performance.now();
        const ac = await autocannon({
          url: `http://127.0.0.1:${server.port}/rbac-api/v1/users/current`,
          headers: { 'x-authentication': 'u0' },
          connections: 10,
          duration: seconds,
          timeout: seconds * 2,
        });
        const probe = await pacedProbe(server.port, '/rbac-api/v1/users/current', { 'x-authentication': 'u0' }, PROBE_RATE, seconds * 1000, MAX_WAIT_MS);
        const elapsed = (performance.now() - started) / 1000;
        const changes = (changers?.completions.length ?? 0) - changesBefore;
        // On the main thread, requests time out or stay unanswered: that is the figure, not an error.
        if (config.server.hasher !== 'main' && ac.non2xx + ac.errors + probe.errors + probe.unanswered > 0)
          throw new Error(`figure 2 (${config.name}): ${ac.non2xx} non-2xx, ${ac.errors + probe.errors} errors on the cheap route`);
        const sample: Sample = {
          // autocannon reports no latency when nothing was answered within the run.
          acP50: ac.requests.total === 0 ? Number.POSITIVE_INFINITY : ac.latency.p50,
          acP99: ac.requests.total === 0 ? Number.POSITIVE_INFINITY : ac.latency.p99,
          unanswered: probe.unanswered,
          acRps: ac.requests.average,
          probeP50: quantile(probe.latencies, 0.5),
          probeP99: quantile(probe.latencies, 0.99),
          probeMax: Math.max(...probe.latencies),
          changesPerSecond: changes / elapsed,
          failures: changers === undefined ? '' : [...changers.failures].map(([status, n]) => `${n}x${status}`).join(' '),
        };
        samples.get(config.name)?.push(sample);
        options.log(
          `stall run ${run} ${config.name}: autocannon p50 ${sample.acP50} p99 ${sample.acP99} ms (${round(sample.acRps, 0)} req/s); paced p50 ${round(sample.probeP50)} p99 ${round(sample.probeP99)} max ${round(sample.probeMax)} ms${sample.unanswered > 0 ? ` (${sample.unanswered} unanswered after ${MAX_WAIT_MS / 1000} s)` : ''}; ${round(sample.changesPerSecond)} changes/s${sample.failures === '' ? '' : `; failed changes ${sample.failures}`}`,
        );
      } finally {
        await changers?.stop();
        await server.stop();
      }
    }
  }

  const base = samples.get('none') ?? [];
  const m = (name: string, key: keyof Sample) => median((samples.get(name) ?? []).map((s) => s[key] as number));
  // Ratios within each run; autocannon's whole-ms baseline can read 0 or 1, so it is floored at 1 ms.
  const ratio = (name: string, key: 'acP99' | 'probeP99', floor: number) => median((samples.get(name) ?? []).map((s, i) => s[key] / Math.max(floor, base[i]?.[key] ?? Number.NaN)));
  const ms = (v: number) => (Number.isFinite(v) ? v : `no answer in ${seconds} s`);
  const rows = configs.map((c) => [
    c.label,
    ms(m(c.name, 'acP50')),
    ms(m(c.name, 'acP99')),
    c.name === 'none' ? 1 : Number.isFinite(ratio(c.name, 'acP99', 1)) ? round(ratio(c.name, 'acP99', 1), 1) : '-',
    round(m(c.name, 'acRps'), 0),
    round(m(c.name, 'probeP50'), 2),
    round(m(c.name, 'probeP99'), 2),
    c.name === 'none' ? 1 : round(ratio(c.name, 'probeP99', 0.001), 1),
    `${round(m(c.name, 'probeMax'), 1)}${c.name === 'main' ? ` (lower bound: requests unanswered after ${MAX_WAIT_MS / 1000} s count with their wait so far)` : ''}`,
    c.load ? round(m(c.name, 'changesPerSecond') * 2, 2) : 0,
  ]);
  const goals = configs
    .filter((c) => c.name.startsWith('pool'))
    .flatMap((c) => {
      const ac = ratio(c.name, 'acP99', 1);
      const acAbs = m(c.name, 'acP99');
      const pr = ratio(c.name, 'probeP99', 0.001);
      const prAbs = m(c.name, 'probeP99');
      return [
        { text: `${c.label}, autocannon: p99 <= 3x baseline and < 25 ms (measured ${round(ac, 1)}x, ${acAbs} ms)`, met: ac <= 3 && acAbs < 25 },
        { text: `${c.label}, paced probe: p99 <= 3x baseline and < 25 ms (measured ${round(pr, 1)}x, ${round(prAbs, 2)} ms)`, met: pr <= 3 && prAbs < 25 },
      ];
    });
  return {
    id: 'stall',
    title: `2. Event-loop stall under 16 password changes at cost ${options.cost}`,
    table: [
      ['hasher', 'autocannon p50 ms', 'autocannon p99 ms', 'p99 / baseline', 'req/s', 'paced p50 ms', 'paced p99 ms', 'p99 / baseline', 'paced max ms', 'bcrypt ops/s meanwhile'],
      ...rows,
    ],
    goals,
    notes: [
      `Each configuration is a fresh server child with ${IN_FLIGHT} users; ${IN_FLIGHT} loops in the bench process keep one \`PUT /users/current/password\` each in flight (the next is sent when the last is answered; passwords alternate, \`passwordHistory: 0\`, so each change is exactly 1 verify + 1 hash = 2 bcrypt operations). After ${SETTLE_MS / 1000} s of settling, the cheap route \`GET /rbac-api/v1/users/current\` (a host route behind the same Authorizer) is measured by autocannon (10 connections, ${seconds} s, closed loop: it saturates the route, so its latency also reflects the CPU the server's main thread gets; whole milliseconds, a baseline under 1 ms counts as 1 ms) and then by a paced probe (${PROBE_RATE} req/s open loop for ${seconds} s, hrtime, sub-ms). The baseline is the same server and users with no change in flight. Ratios are per run, then the median.`,
      `On ${cores} cores, the load generator (autocannon and the change loops) shares the CPU with the server's main thread and the pool's workers: with a pool of ${cores}, ${cores} workers + the main thread + the load generator compete for ${cores} cores.`,
    ],
  };
}
