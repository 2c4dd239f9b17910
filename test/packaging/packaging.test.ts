/**
 * Packs the library the way `npm publish` would (prepack runs the build), checks what the
 * tarball ships, and installs it into small consumer projects under `fixtures/`: plain ESM
 * JavaScript, TypeScript with `module: nodenext` (type-checked with the repo's tsc), CommonJS
 * `require()` (require(esm), Node.js >= 20.19), which share one install with Express 5 in their
 * parent folder, and an Express 4 app with its own. Each one mounts the router
 * and completes a reset. publint and arethetypeswrong check the same tarball (what `npm run
 * lint:package` runs, without packing and building a second time). The package ships no command:
 * the admin CLI belongs to the reference server in examples/server, and runs only in the
 * repository. Run with `npm run test:packaging`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'erp-packaging-'));
const tarball = join(work, 'express-rbac-password.tgz');
const FIXTURES = ['esm-js', 'ts-nodenext', 'cjs-require', 'express4'] as const;
const npmOptions = ['--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let packed: PackResult;
const installs = new Map<string, Promise<unknown>>();

async function sh(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, env: { ...process.env, NODE_ENV: 'test' }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

describe('the packed package', () => {
  before(async () => {
    const output = await sh('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], root);
    // npm prints the build's own output before the JSON when prepack runs.
    packed = (JSON.parse(output.slice(output.indexOf('['))) as PackResult[])[0] as PackResult;
    renameSync(join(work, packed.filename), tarball);
    // The Express 5 projects share one install in their parent folder (fixtures/package.json),
    // which Node.js and TypeScript resolve from; the Express 4 one installs its own, nearer copy.
    cpSync(join(here, 'fixtures'), work, { recursive: true });
    const shared = sh('npm', ['install', ...npmOptions], work);
    for (const name of FIXTURES) installs.set(name, name === 'express4' ? sh('npm', ['install', ...npmOptions], join(work, name)) : shared);
    // Installs that fail are reported by their test; keep them from becoming unhandled here.
    for (const install of installs.values()) install.catch(() => {});
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships only dist, the README, the changelog and the license: no command, no reference-server file', () => {
    const paths = packed.files.map((f) => f.path);
    const outside = paths.filter((p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(p));
    assert.deepEqual(outside, []);
    for (const required of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/openapi.json',
      'dist/openapi/index.js',
      'dist/postgres/index.js',
      'dist/conformance/index.js',
      'dist/redis/index.js',
      'dist/redis/index.d.ts',
    ]) {
      assert.ok(paths.includes(required), `${required} is shipped`);
    }
    assert.deepEqual(
      paths.filter((p) => p.endsWith('.tsbuildinfo') || (p.endsWith('.ts') && !p.endsWith('.d.ts'))),
      [],
    );
    // The reference server and its admin CLI live in examples/server and are not the library.
    assert.deepEqual(
      paths.filter((p) => /(^|\/)(bin|cli|examples|server)\//.test(p)),
      [],
    );
    // Every shipped module is built from a file of lib/: nothing else gets into dist/.
    const notFromLib = paths.filter((p) => /^dist\/.*\.js$/.test(p) && !existsSync(join(root, p.replace(/^dist\//, 'lib/').replace(/\.js$/, '.ts'))));
    assert.deepEqual(notFromLib, []);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: unknown };
    assert.equal(manifest.bin, undefined, 'the package declares no command');
    // Generated data ships without a source map (the map of the password list alone was 100 kB).
    assert.ok(paths.includes('dist/policy/generated/common-passwords.js'));
    assert.deepEqual(
      paths.filter((p) => p.startsWith('dist/policy/generated/') && p.endsWith('.map')),
      [],
    );
  });

  it('ships dist/openapi.json equal to the openapi export', async () => {
    const shipped = JSON.parse(readFileSync(join(root, 'dist/openapi.json'), 'utf8')) as unknown;
    const { openApiDocument } = (await import(join(root, 'dist/openapi/index.js'))) as { openApiDocument: unknown };
    assert.deepEqual(shipped, openApiDocument);
  });

  it('npx express-rbac-password --help works in the repository, and an installed project gets no such command', async () => {
    // The repository installs examples/server as a local dev dependency, whose bin is the admin CLI.
    assert.match(await sh('npx', ['--no-install', 'express-rbac-password', '--help'], root), /Usage: express-rbac-password <command>/);
    await installs.get('esm-js');
    assert.ok(existsSync(join(work, 'node_modules', 'express-rbac-password', 'package.json')), 'installed');
    assert.ok(!existsSync(join(work, 'node_modules', '.bin', 'express-rbac-password')), 'the installed package links no command');
  });

  it("the README's first example runs with plain node against the installed package", async () => {
    await installs.get('esm-js');
    const dir = join(work, 'esm-js');
    cpSync(join(root, 'examples/first-app/app.mjs'), join(dir, 'app.mjs'));
    const child = spawn(process.execPath, ['app.mjs'], { cwd: dir, env: { ...process.env, PORT: '0', RESET_TOKEN_KEY: randomBytes(32).toString('base64') } });
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('Listening on')) resolve(text);
        });
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('close', (code) => reject(new Error(`app.mjs exited with ${code}:\n${text}`)));
      });
      assert.match(output, /Listening on http:\/\/127\.0\.0\.1:\d+\/rbac-api\/v1/);
    } finally {
      child.kill();
    }
  });

  // Each exits non-zero on any finding, which fails the test with its report.
  it('publint --strict finds nothing in the tarball', async () => {
    assert.match(await sh(join(root, 'node_modules/.bin/publint'), ['run', '--strict', tarball], root), /All good/);
  });

  it('arethetypeswrong finds nothing in the tarball (esm-only profile: the package is ESM)', async () => {
    await sh(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'table'], root);
  });

  for (const name of FIXTURES) {
    it(`${name}: installs from the tarball, mounts the router and completes a reset`, async () => {
      const dir = join(work, name);
      await installs.get(name);
      if (name === 'ts-nodenext') await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
      const output = await sh('npm', ['run', '--silent', 'check'], dir);
      assert.match(output, /reset completed/);
    });
  }
});
