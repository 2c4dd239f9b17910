/**
 * The README's Architecture section must match the tree: every path it names exists, every bare
 * file name it names exists in the folder named on its line (or the one above it), and every
 * folder of lib/ appears in the diagram.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const start = readme.indexOf('\n## Architecture\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

describe("the README's Architecture section", () => {
  it('exists', () => assert.ok(start > 0, 'README has a ## Architecture section'));

  it('names only paths that exist', () => {
    const paths = [...section.matchAll(/\b((?:lib|examples)\/[\w./-]*)/g)].map((m) => m[1] as string);
    assert.ok(paths.length > 10, 'the section names the layers by path');
    assert.deepEqual(
      paths.filter((p) => !existsSync(join(root, p))),
      [],
    );
  });

  it('names only files that exist in the folder of their line', () => {
    const missing: string[] = [];
    let folder = '';
    for (const line of section.split('\n')) {
      const named = /\b((?:lib|examples)\/[\w/-]*\/)/.exec(line);
      if (named) folder = named[1] as string;
      for (const m of line.matchAll(/(?<![\w/.-])([\w-]+\.ts)\b/g)) {
        const file = m[1] as string;
        if (!existsSync(join(root, folder, file)) && !existsSync(join(root, 'lib', file))) missing.push(`${folder}${file}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('shows every folder of lib/', () => {
    const folders = readdirSync(join(root, 'lib'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `lib/${d.name}/`);
    assert.deepEqual(
      folders.filter((f) => !section.includes(f)),
      [],
    );
  });
});
