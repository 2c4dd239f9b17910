/**
 * Regenerates `lib/policy/generated/common-passwords.ts`, the shipped blocklist of common passwords.
 *
 * Run once by hand, not at build or install time, so the package never depends on the source
 * list at run time and the generated file can be reviewed in a diff:
 *
 *   npx tsx scripts/build-blocklist.ts                      # fetches the pinned source with `npm pack`
 *   npx tsx scripts/build-blocklist.ts --from passwords.json # or reads an already unpacked copy
 *   npx tsx scripts/build-blocklist.ts --count 20000         # ships more entries (default 10,000)
 *
 * The source is a frequency-ranked list (most common first), so "the top N" is simply its first
 * N distinct entries after the same normalization the policy applies when comparing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Pinned so a rerun produces the same file unless someone deliberately bumps it.
const SOURCE_PACKAGE = '@zxcvbn-ts/language-common';
const SOURCE_VERSION = '4.1.3';
// The source's LICENSE.txt, reproduced in the generated file because MIT asks that the notice travel with the data.
const SOURCE_LICENSE = `MIT License

Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.
Copyright (c) 2021 @zxcvbn-ts

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;
const SOURCE_FILE = 'package/src/passwords.json';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'lib', 'policy', 'generated', 'common-passwords.ts');

/** Must stay identical to `foldForComparison` in lib/policy/normalize.ts (a test checks the output is a fixed point of it). */
function fold(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function readSource(): unknown {
  const from = argValue('--from');
  if (from !== undefined) return JSON.parse(readFileSync(from, 'utf8'));
  // npm pack fetches the exact tarball through the ordinary registry client; tar unpacks only the one file we need.
  const dir = mkdtempSync(join(tmpdir(), 'blocklist-'));
  try {
    const tarball = execFileSync('npm', ['pack', `${SOURCE_PACKAGE}@${SOURCE_VERSION}`, '--silent', '--pack-destination', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    if (tarball === undefined || tarball === '') throw new Error('npm pack printed no tarball name');
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, SOURCE_FILE]);
    return JSON.parse(readFileSync(join(dir, SOURCE_FILE), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const count = Number(argValue('--count') ?? 10_000);
if (!Number.isSafeInteger(count) || count < 10_000) throw new Error('--count must be an integer of at least 10000');

const source = readSource();
if (!Array.isArray(source) || !source.every((entry) => typeof entry === 'string')) {
  throw new Error(`${SOURCE_FILE} is not an array of strings; the source package's layout changed`);
}

const seen = new Set<string>();
const entries: string[] = [];
for (const raw of source as string[]) {
  const entry = fold(raw);
  // Entries the policy refuses anyway (blank, control characters, lone surrogates) would only be dead weight.
  if (entry.trim() === '' || /[\p{Cc}\uD800-\uDFFF]/u.test(entry) || seen.has(entry)) continue;
  seen.add(entry);
  entries.push(entry);
  if (entries.length === count) break;
}
if (entries.length < count) throw new Error(`the source has only ${entries.length} distinct entries, fewer than ${count}`);

// A template literal keeps one entry per line (readable diffs); escape what a template literal would interpret.
const body = entries.map((entry) => entry.replace(/[\\`]/g, '\\$&').replace(/\$\{/g, '\\${')).join('\n');

writeFileSync(
  target,
  `/**
 * GENERATED by scripts/build-blocklist.ts; do not edit by hand, rerun the script.
 *
 * The ${entries.length.toLocaleString('en-US')} most common passwords, most common first, one per line.
 * Source: npm package ${SOURCE_PACKAGE}@${SOURCE_VERSION}, file src/passwords.json
 * (zxcvbn's frequency-ranked password list).
 * Entries are already folded (NFKC, then case-folded) and deduplicated, the form in which the
 * policy compares passwords, so loading them needs no per-entry work.
 *
 * Licence of the source (MIT), reproduced as it asks:
 *
${SOURCE_LICENSE.split('\n')
  .map((line) => ` * ${line}`.trimEnd())
  .join('\n')}
 */

/** The shipped common-password blocklist: folded entries joined by "\\n", most common first. */
export const COMMON_PASSWORDS: string = \`${body}\`;
`,
);
console.log(`wrote ${entries.length} entries to ${target}`);
