/**
 * Build step after tsc: the generated data under lib/policy/generated/ ships without a source map.
 * A map of one string literal helps no debugger, and with `inlineSources` it would carry the whole
 * 100 kB password list a second time. tsc cannot leave one file's map out, so this removes the
 * map and the `sourceMappingURL` comment that points at it (a dangling one makes bundlers warn).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const generated = fileURLToPath(new URL('../dist/policy/generated/', import.meta.url));
if (!existsSync(generated)) throw new Error(`${generated} does not exist: run tsc -p tsconfig.build.json first`);
for (const name of readdirSync(generated)) {
  const file = join(generated, name);
  if (name.endsWith('.js.map')) rmSync(file);
  else if (name.endsWith('.js')) writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}
