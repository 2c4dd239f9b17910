/**
 * A sign-in flood in a process of its own: `loops` concurrent loops from one loopback source
 * address, each sending the next `POST /login` as soon as the last one is answered (a 429 or 503
 * included: a flooder ignores Retry-After). The parent runs it at the lowest CPU priority, so on
 * this shared loopback machine it stands for a client elsewhere rather than taking the server's
 * cores. Started by fork with one JSON argument; answers `{type: 'counts'}` with the statuses seen.
 */
import { newAgent, send } from './http-client.ts';

export interface FloodConfig {
  readonly port: number;
  readonly loops: number;
  readonly localAddress: string;
  readonly body: string;
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  const config = JSON.parse(process.argv[2]) as FloodConfig;
  const agent = newAgent(config.loops, config.localAddress);
  const counts = new Map<number, number>();
  const loop = async (): Promise<void> => {
    for (;;) {
      let status = 0;
      try {
        status = (await send(agent, config.port, 'POST', '/login', {}, config.body)).status;
      } catch {
        status = 0;
      }
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
  };
  for (let i = 0; i < config.loops; i += 1) void loop();
  process.on('message', (message: { type: string }) => {
    if (message.type === 'counts') process.send?.({ type: 'counts', counts: Object.fromEntries(counts) });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'flooding' });
}
