/**
 * What metrics and traces cost per request (issue 25, part 1): the same app in three child
 * processes, telemetry `false`, `@opentelemetry/api` without an SDK (the default when a host has
 * the package but registered nothing), and with the SDK (meter provider with a reader,
 * tracer provider with a batch processor and a discarding exporter, async context manager).
 * Two figures:
 * - in each child, in-process and without HTTP, the library's own work per request: the route's
 *   handler (span, context, count on 'close') plus one hashing job's watch (span, wait and run
 *   histograms), `--iterations` times in batches, median of `--rounds` (µs per request);
 * - over HTTP, each round sends the same sequential keep-alive requests to each child in turn:
 *   the median over rounds of the server's CPU time (user + system, every thread) and the
 *   client's wall time per request, for `validate-password` (no hashing) and a sign-in through
 *   `verifyLogin` (one bcrypt job at cost 4). On a shared machine these two move by more than
 *   the telemetry costs; the first figure is the one to read.
 *
 *   npx tsx bench/telemetry-overhead.ts [--rounds 7] [--requests 2000]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newAgent, send } from './support/http-client.ts';
import { markdownTable, median, round } from './support/stats.ts';

type Mode = 'off' | 'api-without-sdk' | 'sdk';
const MODES: readonly Mode[] = ['off', 'api-without-sdk', 'sdk'];
const PASSWORD = 'Correct-Horse-42-Battery';

if (process.argv[2] === '--serve') await serve(process.argv[3] as Mode, Number(process.argv[4]));
else await measure();

async function serve(mode: Mode, iterations: number): Promise<void> {
  const express = (await import('express')).default;
  const lib = await import('../lib/index.ts');
  let telemetry: false | undefined | { meterProvider: unknown; tracerProvider: unknown } = mode === 'off' ? false : undefined;
  if (mode === 'sdk') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
    const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    class Reader extends MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const discard = { export: (_spans: unknown, done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
    telemetry = { meterProvider: new MeterProvider({ readers: [new Reader()] }), tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }) };
  }
  const users = new lib.MemoryUserStore();
  const hasher = lib.createWorkerPoolHasher({ cost: 4, size: 1 });
  const user = users.createUser({ login: 'bench', passwordHash: await hasher.hash(PASSWORD) });
  const router = lib.createPasswordRouter({
    userStore: users,
    tokenStore: new lib.MemoryTokenStore({ sweepIntervalMs: 0 }),
    authorizer: { authenticate: (req) => (req.get('x-authentication') === 'bench' ? { userId: user.id } : null), canResetPassword: () => false },
    tokenKey: 'bench-secret-that-is-at-least-32-bytes-long',
    hasher,
    failedAttemptsLockout: 0,
    ...(telemetry === undefined ? {} : { telemetry: telemetry as never }),
  });
  const app = express();
  app.use('/api', router);
  app.post('/login', express.json(), (req, res, next) => {
    const body = req.body as { login: string; password: string };
    router.service.verifyLogin(body.login, body.password, router.callContext(req)).then((result) => res.status(result.ok ? 200 : 401).end(), next);
  });
  const { createTelemetry } = await import('../lib/telemetry/telemetry.ts');
  const { resolveTelemetry } = await import('../lib/config/telemetry-option.ts');
  const { routeTelemetry } = await import('../lib/telemetry/route-telemetry.ts');
  const { EventEmitter } = await import('node:events');
  /** The library's work for one request, as the router and the pool do it, without HTTP: µs per request. */
  const micro = async (): Promise<number> => {
    const own = createTelemetry(resolveTelemetry(telemetry));
    const [start] = routeTelemetry(own, () => 'server-error').operation('validate');
    const res = Object.assign(new EventEmitter(), { writableFinished: true, statusCode: 200 });
    const started = process.hrtime.bigint();
    for (let done = 0; done < iterations; done += 1000) {
      for (let i = 0; i < 1000; i += 1) {
        start?.({} as never, res as never, () => {});
        res.emit('close');
        const watch = own.watchJob({ kind: 'bcrypt-verify', key: 'k' });
        watch?.started();
        watch?.ended('ok');
      }
      // Lets the span processor's promises settle, as requests would between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
  };
  const server = app.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: (server.address() as { port: number }).port }));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'micro') void micro().then((micros) => process.send?.({ type: 'micro', micros }));
    if (message.type === 'cpu') {
      const { user: u, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: u + system });
    }
  });
}

async function measure(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '7' }, requests: { type: 'string', default: '2000' }, iterations: { type: 'string', default: '100000' } },
  });
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const script = fileURLToPath(import.meta.url);
  const children = await Promise.all(
    MODES.map(async (mode) => {
      const child = fork(script, ['--serve', mode, String(values.iterations)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
      const ask = (type: string) =>
        new Promise<number>((resolve) => {
          child.once('message', (m: { micros: number }) => resolve(m.micros));
          child.send({ type });
        });
      return { mode, child, port, cpu: () => ask('cpu'), micro: () => ask('micro'), agent: newAgent(1) };
    }),
  );
  const micro = new Map<Mode, number[]>();
  for (let r = 0; r < rounds + 1; r += 1) {
    for (const c of children) {
      const micros = await c.micro();
      if (r > 0) micro.set(c.mode, [...(micro.get(c.mode) ?? []), micros]);
    }
  }
  console.log(`The library's work per request (route span and count + one hashing job's watch), in-process: median of ${rounds} x ${values.iterations}`);
  console.log(markdownTable([['telemetry', 'µs/request'], ...MODES.map((mode) => [mode, String(round(median(micro.get(mode) ?? []), 2))])]));
  console.log('');
  const routes = [
    { name: 'validate-password', method: 'POST', path: '/api/command/validate-password', headers: { 'x-authentication': 'bench' }, body: JSON.stringify({ password: 'short' }) },
    { name: 'sign-in (1 bcrypt job, cost 4)', method: 'POST', path: '/login', headers: {}, body: JSON.stringify({ login: 'bench', password: PASSWORD }) },
  ];
  const samples = new Map<string, { cpu: number[]; wall: number[] }>();
  for (let r = 0; r < rounds + 1; r += 1) {
    for (const route of routes) {
      for (const c of children) {
        const before = await c.cpu();
        const started = process.hrtime.bigint();
        for (let i = 0; i < requests; i += 1) {
          const answer = await send(c.agent, c.port, route.method, route.path, route.headers, route.body);
          if (answer.status !== 200) throw new Error(`${c.mode} ${route.name}: status ${answer.status}`);
        }
        const wallMicros = Number(process.hrtime.bigint() - started) / 1e3;
        const cpuMicros = (await c.cpu()) - before;
        // Round 0 warms up the JIT and the pool; it is not counted.
        if (r === 0) continue;
        const key = `${route.name}|${c.mode}`;
        const entry = samples.get(key) ?? { cpu: [], wall: [] };
        entry.cpu.push(cpuMicros / requests);
        entry.wall.push(wallMicros / requests);
        samples.set(key, entry);
      }
    }
  }
  for (const c of children) c.child.kill('SIGKILL');
  const rows = routes.flatMap((route) =>
    children.map((c) => {
      const s = samples.get(`${route.name}|${c.mode}`) as { cpu: number[]; wall: number[] };
      const off = samples.get(`${route.name}|off`) as { cpu: number[]; wall: number[] };
      return [route.name, c.mode, String(round(median(s.cpu), 1)), String(round(median(s.cpu) - median(off.cpu), 1)), String(round(median(s.wall), 1))];
    }),
  );
  console.log(`Over HTTP: ${rounds} rounds x ${requests} sequential requests per route and mode, Node ${process.version}`);
  console.log(markdownTable([['route', 'telemetry', 'server CPU µs/request', 'vs off', 'client wall µs/request'], ...rows]));
}
