#!/usr/bin/env node
// The `express-rbac-password` command: the reference deployment's admin CLI, run from its
// TypeScript source through tsx (a dev dependency of the repository). The published package ships
// no CLI; in a clone, `npm ci` links this file as node_modules/.bin/express-rbac-password because
// the repository installs examples/server as a local dev dependency (see its package.json).
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// A command lives a second or two, and PGlite's 9 MB WebAssembly PostgreSQL is most of it: V8's
// optimizing tier recompiles that in background threads, which costs more CPU than a short run
// wins back. Baseline (Liftoff) code alone makes a `migrate` about a third cheaper (2.4 -> 1.6 s
// CPU here). Set before PGlite compiles; the same line is in main.ts for `npm run cli`.
setFlagsFromString('--liftoff-only');

const { register } = await import('tsx/esm/api');
// The repository's tsconfig maps `express-rbac-password` to the library's sources, whatever the working directory.
register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
const cli = await import(new URL('./main.ts', import.meta.url).href);
process.exitCode = await cli.runCli(process.argv.slice(2));
