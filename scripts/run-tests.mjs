#!/usr/bin/env node
// `npm test`: runs the suite's phases side by side, and its test files in a few processes at a time
// instead of one after another, so that both cores stay busy. Light test files share a process (a
// group, see test/helpers/test-group.ts): starting tsx and loading the library is most of their
// cost. Files that start servers or long model runs get a process each. The processes
// that took longest in the last run start first (their times are kept in TIMES_FILE), so that no
// long one is left running alone at the end. Each process's output is printed whole when it ends
// (never interleaved), then a summary. Exit 1 when anything failed.
//
//   TEST_CONCURRENCY  test processes at once, over all phases (default 3)
//   TEST_PHASES       comma-separated subset of the phases below (default: all)
//   TEST_GROUPS=0     one process per test file
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONCURRENCY = Math.max(1, Number(process.env.TEST_CONCURRENCY) || 3);
const GROUPS = process.env.TEST_GROUPS !== '0';

/**
 * Each test process is `node --import tsx <file>`: the file runs its tests itself, in one process.
 * `tsx --test <file>` would be three (tsx's CLI, the test runner, the file's own child), each
 * starting Node.js and tsx, for the same tests and the same TAP report.
 *
 * `--liftoff-only`: most test processes open PGlite, whose 9 MB WebAssembly V8's optimizing tier
 * recompiles in background threads; that costs more CPU than a test process wins back (about a
 * tenth of the suite's CPU). The code under test is the same.
 */
const NODE_FLAGS = ['--liftoff-only', '--import', 'tsx'];

/**
 * Files that get a process of their own: each is long or starts processes, so a group would only
 * wait on it. The page tests (test/server/browser-*) are not among them: a process launches one
 * chromium for all of them (test/helpers/browser.ts), and a launch costs more than they wait.
 */
const ALONE = new Set([
  'test/server/readme-shell.test.ts',
  'test/server/cli.test.ts',
  'test/server/profiles.test.ts',
  'test/server/sigterm.test.ts',
  'test/server/crash-restart.test.ts',
  'test/concurrency/model-server.test.ts',
  'test/concurrency/model-service.test.ts',
  'test/stores/postgres-conformance.test.ts',
  'test/stores/postgres-conformance-custom-names.test.ts',
  'test/stores/postgres-server-conformance.test.ts',
  'test/http/legacy-upgrade.test.ts',
]);
/**
 * About this many files share one process, so that a long group does not finish alone at the end.
 * A folder's files are split evenly into the nearest number of such groups: nine files make one
 * group of nine, not a group of eight and a process for the ninth.
 */
const GROUP_SIZE = 8;

/**
 * Files of the Express 4 phase's folders that it leaves out: nothing in them depends on the Express
 * major. The phase is there for what does: routing, body parsing, errors from async handlers (which
 * Express 4 does not catch by itself), its default error handler's logging. `npm run
 * test:express4` still runs them all.
 */
const NOT_EXPRESS_SENSITIVE = new Set([
  'test/http/legacy-upgrade.test.ts', // hash formats and their upgrade, behind the sign-in route the other files run
  'test/robustness/fuzz-tokens.test.ts', // the token's signature and claims, checked by the core
  'test/robustness/secrets-tokens.test.ts', // the token's purpose, key, issuer and expiry, checked by the core
  'test/robustness/faults-postgres.test.ts', // the adapter's SQL failures; the same error path through Express is faults-stores'
]);

const testFiles = (dir, keep = () => true) =>
  readdirSync(path.join(ROOT, 'test', dir))
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `test/${dir}/${name}`)
    .filter(keep);

/** The test processes for `dirs` (the files that `keep` keeps): alone files first (they are the longest), then the groups. */
function testJobs(phase, dirs, { env = {}, extraNodeArgs = [], keep } = {}) {
  const nodeArgs = [...NODE_FLAGS, ...extraNodeArgs];
  const files = dirs.flatMap((dir) => testFiles(dir, keep));
  const alone = GROUPS ? files.filter((file) => ALONE.has(file)) : files;
  const jobs = alone.map((file) => ({ label: `${phase}: ${file}`, args: [...nodeArgs, file], env }));
  if (!GROUPS) return jobs;
  for (const dir of dirs) {
    const grouped = files.filter((file) => file.startsWith(`test/${dir}/`) && !ALONE.has(file));
    const size = Math.ceil(grouped.length / Math.max(1, Math.round(grouped.length / GROUP_SIZE)));
    for (let start = 0; start < grouped.length; start += size) {
      const group = grouped.slice(start, start + size);
      jobs.push({
        label: `${phase}: test/${dir}/ ${group.map((file) => path.basename(file, '.test.ts')).join(' ')}`,
        args: [...nodeArgs, 'test/helpers/test-group.ts'],
        env: { ...env, TEST_GROUP_FILES: group.join(',') },
      });
    }
  }
  return jobs;
}

/** Each phase is a list of steps run in order: a command, or test processes run through the shared pool. */
const PHASES = {
  checks: [{ command: 'npm run --silent typecheck' }, { command: 'npm run --silent lint' }],
  main: [{ jobs: testJobs('main', ['unit', 'http', 'stores', 'server', 'concurrency', 'robustness', 'examples']) }],
  // What `npm run test:express4` runs, less NOT_EXPRESS_SENSITIVE.
  express4: [
    {
      jobs: testJobs('express4', ['http', 'robustness'], {
        env: { EXPRESS_MAJOR: '4' },
        extraNodeArgs: ['--import', './test/helpers/use-express4.mjs'],
        keep: (file) => !NOT_EXPRESS_SENSITIVE.has(file),
      }),
    },
  ],
  // The packaging test also runs publint and arethetypeswrong on its tarball: `npm run lint:package` without a second build.
  packaging: [{ command: 'npm run --silent test:packaging' }],
};

const wanted = process.env.TEST_PHASES ? process.env.TEST_PHASES.split(',').map((name) => name.trim()) : Object.keys(PHASES);
const unknown = wanted.filter((name) => !(name in PHASES));
if (unknown.length > 0) {
  console.error(`TEST_PHASES: unknown phase ${unknown.join(', ')}; the phases are ${Object.keys(PHASES).join(', ')}`);
  process.exit(2);
}

/** Seconds each process took in the last run, by label; kept out of the repository with npm's other caches. */
const TIMES_FILE = path.join(ROOT, 'node_modules', '.cache', 'express-rbac-password', 'test-seconds.json');
function readTimes() {
  try {
    return JSON.parse(readFileSync(TIMES_FILE, 'utf8'));
  } catch {
    return {}; // first run: the order of the phases' lists
  }
}
const lastSeconds = readTimes();

/**
 * A counting semaphore: test processes of every phase wait here for one of CONCURRENCY slots, and
 * the one that took longest last time goes first (longest processing time first keeps the end short).
 */
let free = CONCURRENCY;
const waiting = [];
async function inSlot(label, fn) {
  if (free === 0) {
    await new Promise((resolve) => {
      waiting.push({ resolve, seconds: lastSeconds[label] ?? 0 });
      waiting.sort((a, b) => b.seconds - a.seconds); // stable: unknown ones keep their order
    });
  } else free -= 1;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next.resolve();
    else free += 1;
  }
}

/** Runs a command (a shell line, or node with args) in the repository root; resolves with its exit code and output. */
function run({ command, args, env = {} }) {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', ...env } };
    const child = command === undefined ? spawn(process.execPath, args, options) : spawn(command, { ...options, shell: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function print(label, seconds, code, output) {
  process.stdout.write(`\n===== ${label} (${seconds.toFixed(1)} s, ${code === 0 ? 'ok' : `FAILED, exit ${code}`}) =====\n${output}`);
}

/** The node:test reporters' closing counts ("# pass 12" in TAP, "ℹ pass 12" in spec). */
function testCounts(output) {
  const count = (label) => [...output.matchAll(new RegExp(`^(?:#|ℹ) ${label} (\\d+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
  return { passed: count('pass'), failed: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') };
}

async function timed(label, command) {
  const started = performance.now();
  const { code, output } = await run(command);
  const seconds = (performance.now() - started) / 1000;
  print(label, seconds, code, output);
  return { label, code, seconds, counts: testCounts(output) };
}

/** Keeps this run's times for the next run's order (a partial run updates only what it ran). */
function saveTimes(phases) {
  const times = { ...lastSeconds };
  for (const { results } of phases) for (const { label, seconds } of results) times[label] = Math.round(seconds * 10) / 10;
  try {
    mkdirSync(path.dirname(TIMES_FILE), { recursive: true });
    writeFileSync(TIMES_FILE, `${JSON.stringify(times, null, 1)}\n`);
  } catch {
    // Only an optimisation: a read-only checkout runs in the lists' order.
  }
}

async function runPhase(name) {
  const started = performance.now();
  const results = [];
  for (const step of PHASES[name]) {
    const done = step.jobs ? await Promise.all(step.jobs.map((job) => inSlot(job.label, () => timed(job.label, job)))) : [await timed(`${name}: ${step.command}`, step)];
    results.push(...done);
    if (done.some(({ code }) => code !== 0)) break;
  }
  const counts = results.reduce((sum, { counts: c }) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped }), {
    passed: 0,
    failed: 0,
    skipped: 0,
  });
  const failed = results.filter(({ code }) => code !== 0).map(({ label }) => label);
  return { name, failed, results, seconds: (performance.now() - started) / 1000, counts, slowest: results.sort((a, b) => b.seconds - a.seconds).slice(0, 3) };
}

const started = performance.now();
const phases = await Promise.all(wanted.map(runPhase));
const total = { passed: 0, failed: 0, skipped: 0 };
console.log('\n===== summary =====');
for (const { name, failed, seconds, counts, slowest } of phases) {
  for (const key of Object.keys(total)) total[key] += counts[key];
  const status = failed.length === 0 ? 'ok    ' : 'FAILED';
  console.log(`${status} ${name.padEnd(10)} ${seconds.toFixed(1).padStart(6)} s  ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const label of failed) console.log(`         failed: ${label}`);
  for (const job of slowest) console.log(`         ${job.seconds.toFixed(1).padStart(6)} s  ${job.label}`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
saveTimes(phases);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped in ${seconds} s (${CONCURRENCY} at once)`);
process.exit(phases.every(({ failed }) => failed.length === 0) ? 0 : 1);
