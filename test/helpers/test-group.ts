/**
 * One test process for several test files (scripts/run-tests.mjs): each file in TEST_GROUP_FILES
 * (comma-separated, relative to the repository) is imported in order, so its tests register here.
 * Starting tsx and loading the library once instead of once per file is most of a light file's cost.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './server.ts';

const files = (process.env['TEST_GROUP_FILES'] ?? '').split(',').filter(Boolean);
if (files.length === 0) throw new Error('test-group.ts needs TEST_GROUP_FILES (comma-separated test files)');
for (const file of files) await import(pathToFileURL(path.join(ROOT, file)).href);
