/**
 * The CLI's outstanding-reset-token commands on a PGlite data directory: `reset-tokens` lists
 * metadata (never the token), `revoke-reset-tokens` revokes all or one; a malformed handle is a
 * usage error (2), one that names no outstanding token exits 6; a revoked token no longer resets.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { NEW_PASSWORD, runCliInProcess, startServer } from '../helpers/server.ts';

const dataDir = await dataDirWithEmptyCluster('cli-reset-tokens');
const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4', RBAC_PUBLIC_URL: 'https://rbac.example.test/rbac-api/v1/reset-password' };
const cli = (args: string[], stdin?: string) => runCliInProcess(args, env, stdin);

interface Listed {
  readonly handle: string;
  readonly kind: string;
  readonly issued_at: string;
  readonly expires_at: string;
  readonly issued_by: string | null;
}

async function listed(): Promise<Listed[]> {
  const result = await cli(['reset-tokens', '--login', 'operator', '--json']);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { tokens: Listed[] }).tokens;
}

async function issue(): Promise<string> {
  const issued = await cli(['issue-reset-token', '--login', 'operator', '--json']);
  assert.equal(issued.code, 0, issued.stderr);
  return (JSON.parse(issued.stdout) as { token: string }).token;
}

before(async () => {
  assert.equal((await cli(['migrate'])).code, 0);
  assert.equal((await cli(['create-user', '--login', 'operator'], `${NEW_PASSWORD}\n`)).code, 0);
});

test('reset-tokens lists the outstanding token, never the token; --help names both commands', async () => {
  const help = await cli(['--help']);
  for (const command of ['reset-tokens --login <login> [--json]', 'revoke-reset-tokens --login <login> [--handle <handle>]']) assert.ok(help.stdout.includes(command), command);
  assert.match(help.stdout, /6 no outstanding reset token with that handle/);

  const none = await cli(['reset-tokens', '--login', 'operator']);
  assert.deepEqual([none.code, none.stdout], [0, '"operator" has no outstanding reset tokens.\n']);
  const token = await issue();
  const [only, ...more] = await listed();
  assert.deepEqual(more, []);
  assert.ok(only);
  assert.equal(only.kind, 'admin');
  assert.equal(only.issued_by, 'cli');
  assert.match(only.handle, /^[A-Za-z0-9_-]{22}$/);
  const text = await cli(['reset-tokens', '--login', 'operator']);
  assert.equal(text.code, 0);
  assert.ok(text.stdout.includes(only.handle));
  const { jti } = jwt.decode(token) as jwt.JwtPayload;
  for (const output of [text.stdout, JSON.stringify(only)]) {
    for (const piece of [token, ...token.split('.'), String(jti)]) assert.ok(!output.includes(piece), 'the listing holds a piece of the token');
  }
});

test('revoke-reset-tokens: usage errors and unknown handles change nothing; one by handle, then all; the revoked token no longer resets', async () => {
  await issue();
  const [current] = await listed();
  assert.ok(current);
  const malformed = await cli(['revoke-reset-tokens', '--login', 'operator', '--handle', 'nope']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /handle must be 22 characters/);
  const unknownHandle = current.handle.startsWith('A') ? `B${current.handle.slice(1)}` : `A${current.handle.slice(1)}`;
  const unknown = await cli(['revoke-reset-tokens', '--login', 'operator', '--handle', unknownHandle]);
  assert.equal(unknown.code, 6);
  assert.match(unknown.stderr, /"operator" has no outstanding reset token with the handle/);
  assert.equal((await cli(['revoke-reset-tokens', '--login', 'nobody'])).code, 3);
  assert.equal((await cli(['revoke-reset-tokens', '--login', 'operator', 'extra'])).code, 2);
  assert.deepEqual(
    (await listed()).map((t) => t.handle),
    [current.handle],
    'a refused command changed the tokens',
  );

  const one = await cli(['revoke-reset-tokens', '--login', 'operator', '--handle', current.handle]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /Revoked the reset token/);
  assert.deepEqual(await listed(), []);
  assert.equal((await cli(['revoke-reset-tokens', '--login', 'operator', '--handle', current.handle])).code, 6);

  const token = await issue();
  const all = await cli(['revoke-reset-tokens', '--login', 'operator']);
  assert.deepEqual([all.code, all.stdout], [0, 'Revoked 1 outstanding reset token(s) of "operator".\n']);
  assert.deepEqual(await listed(), []);

  const running = await startServer({ RBAC_DATA_DIR: dataDir });
  try {
    const res = await request(running.base).post('/auth/reset').set('Content-Type', 'application/json').send({ token, password: 'Yet-Another-Pw-55!' }).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
  } finally {
    await running.close();
  }
});
