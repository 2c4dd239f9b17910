/**
 * Starts the reference server for tests: in-process on a free port (`startServer`), or as a child
 * process like `npm start` (`spawnServer`), and runs the CLI in-process (`runCliInProcess`) or as a
 * child process (`runCliProcess`). bcrypt cost 4 throughout.
 */
import { type ChildProcessByStdio, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../examples/server/cli/main.ts';
import { readNewPassword } from '../../examples/server/cli/read-password.ts';
import { readEnvironment } from '../../examples/server/config/environment.ts';
import { createServer, type ReferenceServer, type ServerOptions } from '../../examples/server/server.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
export const ADMIN_PASSWORD = 'Root-Passw0rd!xy';
export const ALICE_PASSWORD = 'Start-Garden-Pw-1!';
export const NEW_PASSWORD = 'Fresh-Garden-Lamp-77!';

/** Environment every test server gets, on top of which each test sets its own. */
export const BASE_ENV = { RBAC_BCRYPT_COST: '4', HOST: '127.0.0.1', PORT: '0', RBAC_ADMIN_PASSWORD: ADMIN_PASSWORD } as const;

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `rbac-${prefix}-`));
}

export interface RunningServer {
  readonly server: ReferenceServer;
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** origin + /rbac-api/v1 */
  readonly base: string;
  /** `GET /metrics` on its own port, when RBAC_METRICS_PORT is set. */
  readonly metricsUrl: string | undefined;
  readonly printed: string[];
  close(): Promise<void>;
}

/** Builds the config from `env` (as the server would read it) and starts the server in-process. */
export async function startServer(env: Record<string, string>, options: ServerOptions = {}): Promise<RunningServer> {
  const printed: string[] = [];
  const config = readEnvironment({ ...BASE_ENV, ...env }, ROOT);
  const server = await createServer(config, { print: (line) => printed.push(line), ...options });
  let listening: Awaited<ReturnType<ReferenceServer['listen']>>;
  try {
    listening = await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  const { url, metricsUrl } = listening;
  return { server, origin: url, base: `${url}/rbac-api/v1`, metricsUrl, printed, close: () => server.close() };
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI through tsx with `args`, optional stdin, and the given environment. */
export function runCliProcess(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<ProcessResult> {
  return runProcess([path.join(ROOT, 'examples', 'server', 'cli', 'main.ts'), ...args], env, stdin);
}

/**
 * Runs the CLI's `runCli` in this process, as the bin would, with what a child process would see:
 * the same clean environment, and `stdin` piped (not a terminal) through the real stdin reader.
 * Several seconds faster a call than `runCliProcess`, which only has to prove the bin itself works.
 * Not for a PGlite directory this process holds open: the lock only keeps out *other* processes.
 */
export async function runCliInProcess(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<ProcessResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
    env: childEnv(env),
    readPassword: () => readNewPassword(Readable.from([Buffer.from(stdin ?? '')]) as unknown as NodeJS.ReadStream),
  });
  return { code, stdout, stderr };
}

/** Runs `npx express-rbac-password <args>` in the repository root: the package's bin, as a user runs it. */
export function runBinProcess(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<ProcessResult> {
  const child = spawn('npx', ['--no-install', 'express-rbac-password', ...args], { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(stdin ?? '');
  return collectOutput(child, 60_000);
}

/** Runs `tsx <args>` in the repository root until it exits. */
export function runProcess(args: readonly string[], env: Record<string, string>, stdin?: string, timeoutMs = 60_000): Promise<ProcessResult> {
  const child = spawn(TSX, [...args], { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(stdin ?? '');
  return collectOutput(child, timeoutMs);
}

/** Collects a child's stdout and stderr until it exits; kills it after `timeoutMs`. */
export function collectOutput(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `node --import tsx examples/server/main.ts` (what `npm start` runs) and waits for its
 * "listening" line. Not the `tsx` command: it relays SIGTERM to its child and SIGKILLs the child
 * when the child has not reported the signal back within about 60 ms, which a busy server misses.
 */
export async function spawnServer(env: Record<string, string>): Promise<{ base: string; stdout: () => string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', 'server', 'main.ts')], {
    cwd: ROOT,
    env: childEnv({ ...BASE_ENV, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stdout}${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    base,
    stdout: () => stdout,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The test process's environment without any RBAC_* or DATABASE_URL of the developer's shell. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RBAC_') && name !== 'DATABASE_URL' && name !== 'PORT' && name !== 'HOST'));
  return { ...clean, ...env };
}
