/**
 * The README's runnable shell blocks: a block preceded by `<!-- run: name -->` is found by name,
 * and run by bash as written, with only the address (and the data directory) swapped for the
 * test's own, so parallel runs never touch port 4433 or the repository's `.rbac-data/`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectOutput, type ProcessResult, ROOT } from './server.ts';

/** The text of the `sh` block marked `<!-- run: name -->` in `readme` (a path relative to the repository). */
export function shellBlock(readme: string, name: string): string {
  const text = readFileSync(path.join(ROOT, readme), 'utf8');
  const match = new RegExp(`<!-- run: ${name} -->\\s*\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  if (match?.[1] === undefined) throw new Error(`${readme} has no sh block marked <!-- run: ${name} -->`);
  return match[1];
}

/** The environment of a README run: the developer's own RBAC_*, DATABASE_URL, HOST and PORT are left out. */
function shellEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(RBAC_|DATABASE_URL$|HOST$|PORT$|USER$)/.test(name)));
  return { ...clean, USER: 'reader', ...env };
}

/** Runs `script` with bash in the repository root until it exits. */
export function runShell(script: string, env: Record<string, string> = {}, timeoutMs = 300_000): Promise<ProcessResult> {
  return collectOutput(spawn('bash', ['-c', script], { cwd: ROOT, env: shellEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }), timeoutMs);
}

/** A long-running block (`npm start`, `node app.mjs`) started in its own process group. */
export interface BackgroundShell {
  output(): string;
  /** Stops the whole process group (bash, npm, tsx, node) and resolves bash's exit code. */
  stop(): Promise<number | null>;
}

/** Starts `script` and resolves once its output matches `ready`; rejects if it exits first. */
export function startShell(script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 180_000): Promise<BackgroundShell> {
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: shellEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const handle: BackgroundShell = {
    output: () => output,
    stop: async () => {
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        // Already gone.
      }
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void handle.stop();
      reject(new Error(`not ready after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
}
