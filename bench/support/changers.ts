/**
 * Keeps `count` password changes in flight through `PUT /rbac-api/v1/users/current/password`:
 * one loop per user (sessions `u0`, `u1`, ...), each sending the next change as soon as the last
 * one is answered, alternating between the two bench passwords.
 */
import { PASSWORDS } from '../server.ts';
import { newAgent, send } from './http-client.ts';

export interface Changers {
  /** performance.now() of every successful change, in completion order. */
  readonly completions: number[];
  /** Answers other than 200, by status (0 = connection error). */
  readonly failures: Map<number, number>;
  /** Stops sending and aborts the changes in flight; resolves when every loop has ended. */
  stop(): Promise<void>;
}

export function startChangers(port: number, count: number): Changers {
  const agent = newAgent(count);
  const completions: number[] = [];
  const failures = new Map<number, number>();
  let stopped = false;
  const loop = async (i: number): Promise<void> => {
    let current = 0;
    while (!stopped) {
      const body = JSON.stringify({ current_password: PASSWORDS[current], password: PASSWORDS[1 - current] });
      let status = 0;
      try {
        status = (await send(agent, port, 'PUT', '/rbac-api/v1/users/current/password', { 'x-authentication': `u${i}` }, body)).status;
      } catch {
        status = 0;
      }
      if (status === 200) {
        completions.push(performance.now());
        current = 1 - current;
      } else {
        failures.set(status, (failures.get(status) ?? 0) + 1);
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const loops = Array.from({ length: count }, (_, i) => loop(i));
  return {
    completions,
    failures,
    async stop() {
      stopped = true;
      agent.destroy();
      await Promise.all(loops);
    },
  };
}
