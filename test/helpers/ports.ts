/**
 * A loopback port for a server whose address must be known before it listens (its public URL is
 * built from it). Asking the OS for port 0 and closing it is not enough when several test
 * processes run at once: that port comes from the ephemeral range, which every outgoing connection
 * (supertest, PostgreSQL, Redis) and every `listen(0)` draw from too, so it can be taken again
 * before the server binds it (CI saw EADDRINUSE). A random port below the ephemeral range that binds
 * now is only taken by another caller of this function.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

const LOWEST = 20_000;

/** The lowest port the OS hands out on its own (Linux's ip_local_port_range; 32768 elsewhere). */
function ephemeralStart(): number {
  try {
    const lowest = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(lowest) && lowest > LOWEST + 1_000 ? lowest : 32_768;
  } catch {
    return 32_768;
  }
}

function bindsNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A loopback port that nothing listens on right now, outside the range the OS gives out by itself. */
export async function freePort(): Promise<number> {
  const highest = ephemeralStart();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    if (await bindsNow(port)) return port;
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${highest} after 50 tries`);
}
