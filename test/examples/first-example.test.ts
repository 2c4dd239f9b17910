/**
 * The README's first example, exactly as written: examples/first-app/app.mjs (the README block is
 * checked to be a copy of it by test/examples/examples.test.ts) runs with a key from the environment, and
 * the README's three curl lines run against it, with only the port swapped for a free one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { runShell, shellBlock, startShell } from '../helpers/readme-blocks.ts';

test('README first example: app.mjs runs, and the three curl lines reset and change the password', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const app = await startShell(
    'exec node_modules/.bin/tsx examples/first-app/app.mjs',
    { PORT: String(port), RESET_TOKEN_KEY: randomBytes(32).toString('base64') },
    /Listening on/,
  );
  try {
    assert.match(app.output(), new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/rbac-api/v1`));
    const curl = shellBlock('README.md', 'first-app-curl').replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`);
    const lines = curl.split('\n');
    assert.equal(lines.length, 3, 'three curl lines');
    // The block as written, then its second line again: the used token is refused.
    const result = await runShell(`set -e\n${curl}\n${lines[1]}`);
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind?: string; msg: string });
    assert.deepEqual(answers.slice(0, 2), [{ msg: 'The password has been reset' }, { msg: 'The password has been changed' }]);
    assert.equal(answers[2]?.kind, 'puppetlabs.rbac/invalid-token');
  } finally {
    await app.stop();
  }
});

test('README first example: without RESET_TOKEN_KEY it stops with a message naming tokenKey', async () => {
  const result = await runShell('node_modules/.bin/tsx examples/first-app/app.mjs', { PORT: '0' }, 60_000);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /tokenKey/);
});
