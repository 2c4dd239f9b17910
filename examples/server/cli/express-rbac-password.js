#!/usr/bin/env node
// The `express-rbac-password` command. An installed package runs the compiled CLI in dist/. A clone
// of the repository runs its TypeScript source through tsx (a dev dependency), so `npx
// express-rbac-password` works right after `npm ci`, and never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('./main.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
