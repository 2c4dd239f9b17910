/**
 * A DATABASE_URL that cannot be used is named in words with its host and port, never as a bare
 * SQLSTATE or driver code, and never with the URL's password: through the CLI and `npm start`.
 * The missing database is checked with the CLI in-process; the cases that check that the URL's
 * password never shows run the CLI (and `npm start`) as processes, so all they write is seen.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { ROOT, runCliInProcess, runCliProcess, runProcess } from '../helpers/server.ts';

const databaseUrl = process.env['DATABASE_URL'];
const skip = databaseUrl === undefined ? 'DATABASE_URL is not set: no PostgreSQL server to refuse a database or a user' : false;
if (skip !== false) console.log(`# ${skip}`);
const suffix = randomBytes(4).toString('hex');
const secret = `Hush-${suffix}`;

/** DATABASE_URL with another user, password or database name. */
function variant(change: { user?: string; database?: string }): string {
  const url = new URL(databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test');
  if (change.user !== undefined) [url.username, url.password] = [change.user, secret];
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  return url.toString();
}
const where = () => {
  const url = new URL(databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test');
  return `${url.hostname}:${url.port || '5432'}`;
};

test('a database that does not exist is named, with the host and port', { skip }, async () => {
  const result = await runCliInProcess(['migrate'], { DATABASE_URL: variant({ database: `no_such_db_${suffix}` }) });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`database "no_such_db_${suffix}" does not exist on ${where().replaceAll('.', '\\.')}`));
  assert.doesNotMatch(result.stderr, /3D000/);
});

test('an unknown user is an authentication failure, and the password never shows', { skip }, async () => {
  // A process of its own: the password must not show in anything it writes, not only in the CLI's own lines.
  const result = await runCliProcess(['migrate'], { DATABASE_URL: variant({ user: `no_such_role_${suffix}` }) });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`authentication failed for user "no_such_role_${suffix}" on `));
  assert.doesNotMatch(result.stderr, /28000|28P01/);
  assert.ok(!result.stderr.includes(secret), 'the password of the URL is not printed');
});

test('nothing listening: "nothing listens on host:port", from npm start too', async () => {
  const port = await freePort();
  const url = `postgres://postgres:${secret}@127.0.0.1:${port}/test`;
  const cli = await runCliProcess(['migrate'], { DATABASE_URL: url });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, new RegExp(`nothing listens on 127\\.0\\.0\\.1:${port} `));
  const server = await runProcess([path.join(ROOT, 'examples', 'server', 'main.ts')], { DATABASE_URL: url, HOST: '127.0.0.1', PORT: '0' });
  assert.equal(server.code, 1);
  assert.match(server.stderr, new RegExp(`nothing listens on 127\\.0\\.0\\.1:${port} `));
  for (const output of [cli.stderr, server.stderr, server.stdout]) assert.ok(!output.includes(secret), 'the password of the URL is not printed');
});
