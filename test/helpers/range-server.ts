/**
 * A local stand-in for the Pwned Passwords range API: serves range files for a few known
 * passwords (with padding lines, as the real service does when asked), records every request, and
 * can be told to stall, fail or answer garbage. Nothing in the tests reaches the network.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RangeMode = 'normal' | 'stall-headers' | 'stall-body' | 'status-500' | 'garbage' | 'huge';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface RangeServer {
  /** Base URL of the mirror, with a path, e.g. http://127.0.0.1:1234/pwned */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  mode: RangeMode;
  close(): Promise<void>;
}

export const sha1Hex = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

/** `breaches` maps a password to how many breaches list it (0 makes it a padding line). */
export async function startRangeServer(breaches: Readonly<Record<string, number>>): Promise<RangeServer> {
  const ranges = new Map<string, string[]>();
  for (const [password, count] of Object.entries(breaches)) {
    const hash = sha1Hex(password);
    const lines = ranges.get(hash.slice(0, 5)) ?? [];
    lines.push(`${hash.slice(5)}:${count}`);
    ranges.set(hash.slice(0, 5), lines);
  }
  const requests: RecordedRequest[] = [];
  const state = { mode: 'normal' as RangeMode };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const match = /^\/pwned\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
      if (match === null) {
        res.writeHead(404).end('not found');
        return;
      }
      const prefix = match[1] as string;
      switch (state.mode) {
        case 'stall-headers':
          return; // never answers; the client's timeout must end it
        case 'stall-body':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n');
          return; // the rest never comes
        case 'status-500':
          res.writeHead(500).end('oops');
          return;
        case 'garbage':
          res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Rate limited, try later</body></html>');
          return;
        case 'huge':
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${'0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n'.repeat(140_000)}`);
          return;
        default: {
          // Padding as the real service adds it: random suffixes with count 0 around the real lines.
          const padding = Array.from({ length: 20 }, (_, i) => `${createHash('sha1').update(`${prefix}-${i}`).digest('hex').toUpperCase().slice(5)}:0`);
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end([...padding.slice(0, 10), ...(ranges.get(prefix) ?? []), ...padding.slice(10)].join('\r\n'));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/pwned`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(value: RangeMode) {
      state.mode = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
