/**
 * Stopping an HTTP server without cutting off work it already accepted (SIGTERM under load):
 * stop accepting connections, let the requests in progress finish and answer, each with
 * `Connection: close` so its client does not send another on that connection, then close every
 * idle connection. Only after `graceMs` are the connections still busy cut off; the store must not
 * close under a request that is still writing to it, so callers close the store after this.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long requests in progress get to finish on a shutdown before their connections are cut. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/** Tracks the server's requests in progress, so that `close` can wait for them. */
export function trackRequests(server: Server): { close(graceMs?: number): Promise<void> } {
  const inProgress = new Set<ServerResponse>();
  let draining = false;
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    // A request that arrives on a kept-alive connection while draining is still served, as the last on it.
    if (draining) res.shouldKeepAlive = false;
    inProgress.add(res);
    res.on('close', () => {
      inProgress.delete(res);
      if (draining) server.closeIdleConnections();
    });
  };
  // Before the app's own listener, so `shouldKeepAlive` is set before any answer is written.
  server.prependListener('request', onRequest);

  return {
    close: (graceMs = DEFAULT_SHUTDOWN_GRACE_MS) =>
      new Promise<void>((resolve) => {
        draining = true;
        for (const res of inProgress) if (!res.headersSent) res.shouldKeepAlive = false;
        const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
        cutOff.unref();
        server.close(() => {
          clearTimeout(cutOff);
          server.off('request', onRequest);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
