/**
 * Figure 9: does `POST /auth/forgot` answer a known account as fast as an unknown one? The server
 * (a child) looks logins up with a 2 ms round trip and "mails" in 100 ms, so doing that work before
 * the answer would show. A control route does the very same work but awaits it before answering,
 * to prove the measurement can see such a gap. Requests go one at a time, known and unknown
 * alternating, so outside load lands on both alike; each ratio is taken within one run.
 */
import { startServerChild } from '../support/child.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { newAgent, send } from '../support/http-client.ts';
import { median, quantile, round } from '../support/stats.ts';
import { FORGOT_LOOKUP_MS, FORGOT_SEND_MS, TARGET_LOGIN } from '../server.ts';

const PER_CASE = 300;
/** Unknown logins as long as the known one (`bench-target`), so bodies differ in nothing but the name. */
const UNKNOWN = 'nobody-00000';
const UNKNOWN_TOO = 'nobody-11111';

type Side = 'known' | 'unknown' | 'unknownToo';
/** Rotating orders (a Latin square): each side takes each position equally often. */
const ORDERS: readonly (readonly Side[])[] = [
  ['known', 'unknown', 'unknownToo'],
  ['unknown', 'unknownToo', 'known'],
  ['unknownToo', 'known', 'unknown'],
];

interface RunResult {
  readonly known: number;
  readonly unknown: number;
  readonly unknownToo: number;
  readonly knownP90: number;
  readonly unknownP90: number;
  readonly awaitedKnown: number;
  readonly awaitedUnknown: number;
}

export async function forgotFigure(options: BenchOptions): Promise<FigureReport> {
  const runs: RunResult[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const server = await startServerChild({ hasher: 'default', cost: 4, changers: 0, forgot: true });
    const agent = newAgent(1);
    try {
      const ask = async (path: string, login: string) => {
        const answer = await send(agent, server.port, 'POST', path, {}, JSON.stringify({ login }));
        if (answer.status !== 202) throw new Error(`figure 9: ${path} answered ${answer.status}`);
        return answer.ms;
      };
      const logins: Record<Side, string> = { known: TARGET_LOGIN, unknown: UNKNOWN, unknownToo: UNKNOWN_TOO };
      const samples: Record<Side, number[]> = { known: [], unknown: [], unknownToo: [] };
      // Warm-up: JIT, the socket, the first token signature.
      for (let i = 0; i < 20; i += 1) for (const side of ORDERS[0] as Side[]) await ask('/rbac-api/v1/auth/forgot', logins[side]);
      for (let i = 0; i < PER_CASE; i += 1) {
        for (const side of ORDERS[(i + run) % ORDERS.length] as Side[]) samples[side].push(await ask('/rbac-api/v1/auth/forgot', logins[side]));
      }
      const awaited = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < 20; i += 1) {
        awaited.known.push(await ask('/awaited/auth/forgot', TARGET_LOGIN));
        awaited.unknown.push(await ask('/awaited/auth/forgot', UNKNOWN));
      }
      const result: RunResult = {
        known: median(samples.known),
        unknown: median(samples.unknown),
        unknownToo: median(samples.unknownToo),
        knownP90: quantile(samples.known, 0.9),
        unknownP90: quantile(samples.unknown, 0.9),
        awaitedKnown: median(awaited.known),
        awaitedUnknown: median(awaited.unknown),
      };
      runs.push(result);
      options.log(
        `forgot run ${run}: known ${round(result.known, 3)} ms, unknown ${round(result.unknown, 3)} ms, another unknown ${round(result.unknownToo, 3)} ms; known / unknown ${round(result.known / result.unknown, 3)}, unknown / unknown ${round(result.unknownToo / result.unknown, 3)}; awaited control: known ${round(result.awaitedKnown, 1)} ms, unknown ${round(result.awaitedUnknown, 1)} ms`,
      );
    } finally {
      agent.destroy();
      await server.stop();
    }
  }
  const ratios = runs.map((r) => r.known / r.unknown);
  const noise = runs.map((r) => r.unknownToo / r.unknown);
  const ratio = median(ratios);
  const noiseLow = Math.min(0.9, ...noise);
  const noiseHigh = Math.max(1.1, ...noise);
  const controlRatio = median(runs.map((r) => r.awaitedKnown / r.awaitedUnknown));
  const med = (pick: (r: RunResult) => number) => round(median(runs.map(pick)), 3);
  const list = (xs: number[]) => xs.map((x) => round(x, 3)).join(', ');
  return {
    id: 'forgot',
    title: '9. Self-service reset: answer time of known vs unknown accounts',
    table: [
      ['route', 'login', 'median ms', 'p90 ms', 'ratio to unknown'],
      ['POST /auth/forgot', 'unknown', med((r) => r.unknown), med((r) => r.unknownP90), 1],
      ['POST /auth/forgot', 'another unknown (the noise reference)', med((r) => r.unknownToo), '', round(median(noise), 3)],
      ['POST /auth/forgot', 'known (token issued, link "mailed")', med((r) => r.known), med((r) => r.knownP90), round(ratio, 3)],
      ['control: same work awaited before the answer', 'unknown', med((r) => r.awaitedUnknown), '', 1],
      ['control: same work awaited before the answer', 'known', med((r) => r.awaitedKnown), '', round(controlRatio, 2)],
    ],
    goals: [
      {
        text: `known / unknown within noise: inside the spread of unknown / unknown, and never narrower than 0.9 to 1.1 (measured ${round(ratio, 3)}, per run ${list(ratios)}; unknown / unknown per run ${list(noise)})`,
        met: ratio >= noiseLow && ratio <= noiseHigh,
      },
      { text: `the control shows the gap the route avoids (known / unknown when awaited: ${round(controlRatio, 1)})`, met: null },
    ],
    notes: [
      `${PER_CASE} requests per login and run, one at a time over one keep-alive connection, the three logins (all 12 characters) in rotating order so each takes each position equally often, after 20 warm-up rounds; ${options.runs} runs, a fresh server child each run; the control route gets 20 pairs. The server's login lookup waits ${FORGOT_LOOKUP_MS} ms and its sendResetLink ${FORGOT_SEND_MS} ms; the cooldown is 0 so every known request issues a token and "sends". Times are client wall time from sending to the end of the answer. Two unknown logins measured side by side give the noise of this machine at this load; the known login's ratio is judged against that.`,
    ],
  };
}
