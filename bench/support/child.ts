/** Starts bench/server.ts in a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../server.ts';

export interface ServerChild {
  readonly port: number;
  readonly child: ChildProcess;
  /** The hashing pool's counters (null for the main-thread hasher). */
  stats(): Promise<{ completed: number; rejectedBusy: number; size: number } | null>;
  /** CPU time (user + system, all threads) the server process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  /** Statements the server sent to PostgreSQL so far (0 on memory stores). */
  queries(): Promise<number>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('../server.ts', import.meta.url));

function nextMessage<T extends { type: string }>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`bench server exited (code ${String(code)}) before answering ${type}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks the server (the parent's tsx loader is inherited through execArgv) and waits until it listens. */
export async function startServerChild(config: ServerConfig): Promise<ServerChild> {
  const child = fork(SERVER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await nextMessage<{ type: string; port: number }>(child, 'listening');
  return {
    port,
    child,
    async stats() {
      const answer = nextMessage<{ type: string; stats: { completed: number; rejectedBusy: number; size: number } | null }>(child, 'stats');
      child.send({ type: 'stats' });
      return (await answer).stats;
    },
    async cpuMicros() {
      const answer = nextMessage<{ type: string; micros: number }>(child, 'cpu');
      child.send({ type: 'cpu' });
      return (await answer).micros;
    },
    async queries() {
      const answer = nextMessage<{ type: string; count: number }>(child, 'queries');
      child.send({ type: 'queries' });
      return (await answer).count;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
