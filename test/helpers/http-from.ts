/**
 * HTTP requests sent from a chosen loopback source address (127.0.0.2, 127.0.0.3, ...), so a
 * test can play several clients against one server: supertest cannot bind the source address.
 */
import { request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** Sends a JSON request from `localAddress` to `url`; resolves the status, headers and parsed body. */
export function sendFrom(localAddress: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        localAddress,
        // A fresh connection each time: a pooled one could have been opened from another address.
        agent: false,
        headers: text === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.once('end', () => {
          let parsed: unknown = data;
          try {
            parsed = data === '' ? undefined : JSON.parse(data);
          } catch {
            // Not JSON: the raw text is the body.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(text);
  });
}

/**
 * Runs `loops` concurrent request loops until `stop()` says so or `deadlineMs` passes; resolves
 * the status of every answer. A loop that sees an error (connection refused) stops.
 */
export async function flood(loops: number, once: () => Promise<Answer>, stop: () => boolean, deadlineMs: number): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + deadlineMs;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (!stop() && Date.now() < deadline) {
        statuses.push((await once()).status);
      }
    }),
  );
  return statuses;
}
