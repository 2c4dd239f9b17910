#!/usr/bin/env node
// `npm test`: runs the suite's independent phases side by side instead of one after another, and the
// main phase's test files several at a time, so that both cores stay busy. Each phase's output is
// printed whole when it ends (never interleaved), then a summary. Exit code 1 when any phase failed.
//
//   TEST_CONCURRENCY  test files run at once in the main and Express 4 phases (default 3)
//   TEST_PHASES       comma-separated subset of the phases below (default: all)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const concurrency = `--test-concurrency=${process.env.TEST_CONCURRENCY || 3}`;
const suites = (...dirs) => dirs.map((dir) => `test/${dir}/*.test.ts`);
const tsx = path.join(BIN, 'tsx');

/** Each phase is a list of commands run in order; a failing command ends its phase. */
const PHASES = {
  checks: [
    ['npm', 'run', '--silent', 'typecheck'],
    ['npm', 'run', '--silent', 'lint'],
  ],
  main: [[tsx, '--test', concurrency, ...suites('unit', 'http', 'stores', 'server', 'concurrency', 'robustness', 'examples')]],
  // What `npm run test:express4` runs, with the concurrency flag before the file names.
  express4: [['EXPRESS_MAJOR=4', tsx, '--import', './test/helpers/use-express4.mjs', '--test', concurrency, ...suites('http', 'robustness')]],
  packaging: [
    ['npm', 'run', '--silent', 'test:packaging'],
    ['npm', 'run', '--silent', 'lint:package'],
  ],
};

const wanted = process.env.TEST_PHASES ? process.env.TEST_PHASES.split(',').map((name) => name.trim()) : Object.keys(PHASES);
const unknown = wanted.filter((name) => !(name in PHASES));
if (unknown.length > 0) {
  console.error(`TEST_PHASES: unknown phase ${unknown.join(', ')}; the phases are ${Object.keys(PHASES).join(', ')}`);
  process.exit(2);
}

/** Runs one command with the shell expanding the test globs; resolves with its exit code and output. */
function run(command) {
  return new Promise((resolve) => {
    const child = spawn(command.map(quoteUnlessGlob).join(' '), { cwd: ROOT, shell: true, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output }));
  });
}

function quoteUnlessGlob(word) {
  return /^[\w./=:*,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

async function runPhase(name) {
  const started = performance.now();
  let output = '';
  let code = 0;
  for (const command of PHASES[name]) {
    const result = await run(command);
    output += result.output;
    code = result.code;
    if (code !== 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n===== ${name} (${seconds.toFixed(1)} s, ${code === 0 ? 'ok' : `FAILED, exit ${code}`}) =====\n${output}`);
  return { name, code, seconds, counts: testCounts(output) };
}

/** The node:test reporter's closing counts ("ℹ pass 12"); zero for phases that run no tests. */
function testCounts(output) {
  const count = (label) => [...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
  return { passed: count('pass'), failed: count('fail'), skipped: count('skipped') + count('todo') };
}

const started = performance.now();
const results = await Promise.all(wanted.map(runPhase));
const total = results.reduce((sum, { counts }) => ({ passed: sum.passed + counts.passed, failed: sum.failed + counts.failed, skipped: sum.skipped + counts.skipped }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
console.log('\n===== summary =====');
for (const { name, code, seconds, counts } of results) {
  console.log(
    `${code === 0 ? 'ok    ' : 'FAILED'} ${name.padEnd(10)} ${seconds.toFixed(1).padStart(6)} s  ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(results.every(({ code }) => code === 0) ? 0 : 1);
