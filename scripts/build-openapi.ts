/**
 * Writes the OpenAPI document to `dist/openapi.json` (shipped as `express-rbac-password/openapi.json`).
 * Run by `npm run build`, after tsc. Usage: `tsx scripts/build-openapi.ts [output-path]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../lib/openapi/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = resolve(root, process.argv[2] ?? 'dist/openapi.json');
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify(openApiDocument, null, 2)}\n`);
console.log(`wrote ${output}`);
