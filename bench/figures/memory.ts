/**
 * Figure 4: memory of the MemoryTokenStore over 1,000,000 issued tokens (through the store API,
 * injected clock, short lifetime), for 1,000,000 distinct users and for one user. Each run is a
 * fresh child process started with --expose-gc; heap figures are heapUsed after two gc() calls.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round, sparkline } from '../support/stats.ts';
import type { MemoryParams, MemoryResult } from './memory-child.ts';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const MB = 2 ** 20;

function runChild(params: MemoryParams): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(params)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: { type: string; result: MemoryResult }) => resolve(message.result));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`memory child exited with ${String(code)}`))));
  });
}

export async function memoryFigure(options: BenchOptions): Promise<FigureReport> {
  const base = { total: 1_000_000, batch: 1000, stepMs: 10, lifetimeMs: 1000, sweepEveryMs: 100, samples: 20 };
  const scenarios: { name: string; label: string; params: MemoryParams }[] = [
    { name: 'distinct', label: '1,000,000 distinct users', params: { ...base, users: 'distinct' } },
    { name: 'one', label: 'one user (each token supersedes the last)', params: { ...base, users: 'one' } },
  ];
  const results = new Map<string, MemoryResult[]>(scenarios.map((s) => [s.name, []]));
  for (let run = 1; run <= options.runs; run += 1) {
    for (const scenario of scenarios) {
      const result = await runChild(scenario.params);
      results.get(scenario.name)?.push(result);
      options.log(
        `memory run ${run} ${scenario.name}: start ${round(result.startHeap / MB, 1)} MB, peak ${round(result.peakHeap / MB, 1)} MB, end ${round(result.endHeap / MB, 1)} MB (${round((result.endHeap / result.startHeap - 1) * 100, 1)}%), ${result.finalSize} records left, ${round(result.seconds, 1)} s`,
      );
    }
  }
  const rows = scenarios.map((s) => {
    const r = results.get(s.name) ?? [];
    const growth = median(r.map((x) => x.endHeap / x.startHeap - 1));
    return [
      s.label,
      round(median(r.map((x) => x.startHeap)) / MB, 1),
      round(median(r.map((x) => x.peakHeap)) / MB, 1),
      round(median(r.map((x) => x.endHeap)) / MB, 1),
      `${round(growth * 100, 1)}%`,
      Math.max(...r.map((x) => x.finalSize)),
    ];
  });
  // The curve of the last run of each scenario, against 0 so flat really looks flat.
  const curves = scenarios
    .map((s) => {
      const last = results.get(s.name)?.at(-1);
      if (last === undefined) return '';
      const mb = last.samples.map((b) => round(b / MB, 1));
      return `${s.label}: heap after gc every ${(base.total / base.samples).toLocaleString('en')} tokens (MB), from 0 to ${Math.max(...mb)}\n  ${sparkline(mb, 0)}\n  ${mb.join(' ')}\n  records held: ${last.storeSizes.join(' ')}`;
    })
    .join('\n');
  const goals = scenarios.flatMap((s) => {
    const r = results.get(s.name) ?? [];
    const growth = median(r.map((x) => x.endHeap / x.startHeap - 1));
    const last = r.at(-1);
    // Flat: the second half of the curve stays within 10% of its first half's maximum.
    const half = last === undefined ? [] : last.samples.slice(Math.floor(last.samples.length / 4));
    const flat = half.length > 0 && Math.max(...half) <= Math.min(...half) * 1.25;
    return [
      { text: `${s.label}: heap back within 10% after expiry and sweep (measured ${round(growth * 100, 1)}%)`, met: Math.abs(growth) <= 0.1 },
      {
        text: `${s.label}: flat curve while issuing (after the first quarter, max <= 1.25 x min; measured ${last === undefined ? '?' : round(Math.max(...half) / Math.min(...half), 2)} x)`,
        met: flat,
      },
    ];
  });
  return {
    id: 'memory',
    title: '4. Memory of the MemoryTokenStore over 1,000,000 tokens',
    table: [['scenario', 'start heap MB', 'peak heap MB (sampled)', 'end heap MB', 'end vs start', 'records left'], ...rows],
    extra: curves,
    goals,
    notes: [
      `Through the store API (\`issue\` with records made as the service makes them: \`newTokenId()\`, \`passwordStamp()\`), ${base.batch} tokens per ${base.stepMs} ms of an injected clock (100,000 tokens per simulated second), lifetime ${base.lifetimeMs} ms, \`purgeExpired\` every ${base.sweepEveryMs} simulated ms (the store's own sweep, driven by the bench's clock), so about 100,000 records are outstanding at a time with distinct users. After the last token, the clock moves past the lifetime and one sweep runs. Heap = heapUsed after two \`gc()\` calls, in a fresh child process per run (\`--expose-gc\`), baseline taken after a 20,000-token warm-up that was itself purged.`,
    ],
  };
}
