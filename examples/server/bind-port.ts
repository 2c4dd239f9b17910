/**
 * Binding the HTTP port is the first thing `npm start` does: a busy port must stop the start with
 * one clear line before a store is opened, a table created or an admin password generated.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Thrown when the server cannot listen; the message says what to change. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** What to tell the operator about a failed `listen`, by the error's code; `variable` is the one that set the port. */
export function describeListenError(error: unknown, host: string, port: number, variable = 'PORT'): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; set ${variable}=… (or stop the other server)`;
  if (code === 'EACCES') return `port ${port} needs privileges this process does not have; set ${variable}=… to a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `HOST=${host} is not an address of this machine; set HOST=… (e.g. 127.0.0.1)`;
  return `cannot listen on ${host}:${port} (${typeof code === 'string' ? code : (error as Error)?.name})`;
}

/** Listens on `host:port` (port 0 picks a free one) with no request handler yet. Rejects with `ListenError`. */
export function bindPort(host: string, port: number, variable = 'PORT'): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(describeListenError(error, host, port, variable)));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}

/** The base URL of a listening server, e.g. `http://127.0.0.1:4433` (IPv6 hosts in brackets). */
export function listeningUrl(server: Server, host: string): { readonly url: string; readonly port: number } {
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${hostPart}:${port}`, port };
}
