/**
 * A tiny keep-alive HTTP client with hrtime timing, for what autocannon does not do: the
 * password-change loops that keep N changes in flight, and a paced latency probe with
 * sub-millisecond resolution.
 */
import { Agent, request } from 'node:http';

export interface Timed {
  readonly status: number;
  /** Wall time from sending to the end of the answer, in ms (hrtime). */
  readonly ms: number;
}

/** A keep-alive agent; with `localAddress`, its connections come from that loopback address (a client of its own). */
export function newAgent(maxSockets: number, localAddress?: string): Agent {
  return new Agent({ keepAlive: true, maxSockets, ...(localAddress === undefined ? {} : { localAddress }) });
}

export function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * Sends `GET path` at a fixed rate (open loop: a slow answer does not delay the next request)
 * for `durationMs`, and resolves every latency in ms. Requests still open at the end are awaited
 * for up to `maxWaitMs`.
 */
export async function pacedProbe(
  port: number,
  path: string,
  headers: Record<string, string>,
  ratePerSecond: number,
  durationMs: number,
  maxWaitMs = 30_000,
): Promise<{ latencies: number[]; errors: number; unanswered: number }> {
  const agent = newAgent(64);
  const latencies: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const open = new Set<number>();
  const period = 1000 / ratePerSecond;
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < durationMs) {
    const sentAt = performance.now();
    open.add(sentAt);
    pending.push(
      send(agent, port, 'GET', path, headers).then(
        (r) => {
          open.delete(sentAt);
          if (r.status === 200) latencies.push(r.ms);
          else errors += 1;
        },
        () => {
          open.delete(sentAt);
          errors += 1;
        },
      ),
    );
    i += 1;
    const wait = start + i * period - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  // A stalled server may not answer for minutes: past maxWaitMs, what is still open counts with
  // its wait so far (a lower bound) and as unanswered.
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, maxWaitMs))]);
  const unanswered = open.size;
  const now = performance.now();
  for (const sentAt of open) latencies.push(now - sentAt);
  open.clear();
  agent.destroy();
  return { latencies, errors, unanswered };
}
