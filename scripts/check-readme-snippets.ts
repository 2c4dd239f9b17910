/**
 * Checks that the README's code blocks are copies of tested files. A block preceded by
 * `<!-- snippet: examples/x/app.ts#mount -->` must equal the lines between `// #region mount` and
 * `// #endregion` in that file (dedented); `#a,b` joins regions with a blank line; `path` without
 * `#region` means the whole file.
 * Run `tsx scripts/check-readme-snippets.ts` (exit 1 on a mismatch, with the expected text), or
 * import `checkReadmeSnippets` (test/examples/examples.test.ts does).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One marked README block and whether it matches its source. */
export interface SnippetCheck {
  readonly marker: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
}

/** The lines of `region` in a source file, dedented; the whole file when `region` is undefined. */
export function extractRegion(source: string, region: string | undefined, where = 'source'): string {
  const lines = source.split('\n');
  let body = lines;
  if (region !== undefined) {
    const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
    const end = lines.findIndex((l, i) => i > start && l.trim() === '// #endregion');
    if (start < 0 || end < 0) throw new Error(`${where} has no region ${region}`);
    body = lines.slice(start + 1, end);
  }
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return body
    .map((l) => l.slice(indent))
    .join('\n')
    .trim();
}

/** Every marked block of the README, checked against its source. */
export function checkReadmeSnippets(readmePath = resolve(root, 'README.md')): SnippetCheck[] {
  const readme = readFileSync(readmePath, 'utf8');
  const marker = /<!-- snippet: ([^\s#]+)(?:#([\w,-]+))? -->\s*\n```\w*\n([\s\S]*?)\n```/g;
  return [...readme.matchAll(marker)].map((match) => {
    const [, file = '', region, actual = ''] = match;
    const source = readFileSync(resolve(root, file), 'utf8');
    const expected = (region === undefined ? [undefined] : region.split(',')).map((r) => extractRegion(source, r, file)).join('\n\n');
    return { marker: `${file}${region === undefined ? '' : `#${region}`}`, ok: expected === actual.trim(), expected, actual: actual.trim() };
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const checks = checkReadmeSnippets();
  for (const check of checks.filter((c) => !c.ok)) console.error(`README block ${check.marker} differs from its source; it should read:\n${check.expected}\n`);
  console.log(`readme-snippets: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length} failed`);
  process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
}
