import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import express from 'express';

// Proves which Express the suite runs on: `npm run test:express4` must really load Express 4.
it(`runs on the Express named by EXPRESS_MAJOR (default 5)`, () => {
  const expected = process.env['EXPRESS_MAJOR'] ?? '5';
  const version = createRequire(import.meta.url)(expected === '4' ? 'express4/package.json' : 'express/package.json').version as string;
  assert.equal(version.split('.')[0], expected);
  // Express 5 has no app.del; Express 4 still ships it (deprecated): tells the loaded module apart.
  assert.equal(typeof (express() as unknown as { del?: unknown }).del === 'function', expected === '4');
});
