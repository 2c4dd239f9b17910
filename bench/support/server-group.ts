/**
 * The reference server as `npm start` runs it (`node --import tsx examples/server/main.ts`), in a
 * process group of its own, so that the whole group (the server and anything it starts) can be killed at once
 * with SIGKILL, as a crash or an OOM killer would, or stopped with SIGTERM, as a supervisor would.
 * Also reads the server process's resident memory from /proc.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerGroup {
  /** e.g. http://127.0.0.1:41234/rbac-api/v1 */
  readonly base: string;
  /** The process group's id (the server process's pid). */
  readonly pgid: number;
  /** Milliseconds from spawning to the "listening" line. */
  readonly startMs: number;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) of the group leader. */
  readonly exited: Promise<number | null>;
  /** Kills every process of the group with SIGKILL and waits until none is left. */
  kill(): Promise<void>;
  /** Sends SIGTERM to the group. */
  terminate(): void;
  /** VmRSS in bytes of the server process, or undefined when it is gone. */
  rss(): number | undefined;
}

/** The server's environment: the caller's RBAC_* and DATABASE_URL only, none of this shell's. */
function serverEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RBAC_') && name !== 'DATABASE_URL' && name !== 'PORT' && name !== 'HOST'));
  return { ...clean, HOST: '127.0.0.1', PORT: '0', ...env };
}

/** Starts the server detached (a process group of its own); rejects with its output when it does not start within `timeoutMs`. */
export async function startServerGroup(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerGroup> {
  const started = Date.now();
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', 'server', 'main.ts')], {
    cwd: ROOT,
    env: serverEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid as number;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // If this process ends first, the group must not live on.
  const onExit = () => signalGroup(pgid, 'SIGKILL');
  process.on('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(pgid, 'SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms; its output:\n${output}`));
    }, timeoutMs);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(match[1]);
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} instead of starting; its output:\n${output}`));
    });
  });
  const startMs = Date.now() - started;
  return {
    base,
    pgid,
    startMs,
    output: () => output,
    exited,
    kill: async () => {
      signalGroup(pgid, 'SIGKILL');
      await exited;
      while (groupAlive(pgid)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    terminate: () => signalGroup(pgid, 'SIGTERM'),
    rss: () => rssOf(pgid),
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}
