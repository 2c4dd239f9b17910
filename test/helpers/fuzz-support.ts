/**
 * Shared support for the property-based fuzz tests (fast-check, through HTTP).
 *
 * - `FUZZ_RUNS=<factor>` multiplies every property's CI-sized run count (e.g. `FUZZ_RUNS=50`
 *   for a long local run). Default 1.
 * - `FUZZ_SEED=<int>` (and optionally `FUZZ_PATH=<path>`) replays a failure: fast-check prints
 *   both in the assertion message when a property fails. Without it every run uses the fixed
 *   `DEFAULT_FUZZ_SEED`, so `npm test` is deterministic; `FUZZ_SEED=random` explores new cases.
 * - The documented statuses and kinds are read from README.md's error table, so the tests hold
 *   the library to what the README promises.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import type express from 'express';
import type { Response } from 'supertest';
import type { TestApp } from './app.ts';

export const NS = 'puppetlabs.rbac/';

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const FACTOR = positiveNumber('FUZZ_RUNS', 1);

/** The seed of every property unless FUZZ_SEED says otherwise. */
export const DEFAULT_FUZZ_SEED = 20261129;

function fuzzSeed(): number | undefined {
  const raw = process.env['FUZZ_SEED'];
  if (raw === undefined || raw === '') return DEFAULT_FUZZ_SEED;
  if (raw === 'random') return undefined;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", got ${JSON.stringify(raw)}`);
  return seed;
}

/** fast-check parameters for a property whose CI size is `ciRuns`. */
export function fuzzParams<Ts>(ciRuns: number): fc.Parameters<Ts> {
  const seed = fuzzSeed();
  const path = process.env['FUZZ_PATH'];
  return {
    numRuns: Math.max(1, Math.round(ciRuns * FACTOR)),
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
    // The failure message carries the seed, the path, the shrunk counterexample and its error.
    verbose: process.env['FUZZ_VERBOSE'] === '1' ? fc.VerbosityLevel.Verbose : fc.VerbosityLevel.None,
  };
}

/**
 * Runs an async property. On failure the thrown message is fast-check's report: the seed, the
 * shrunk counterexample and its path; the replay line is also written to stderr.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(name: string, ciRuns: number, property: fc.IAsyncPropertyWithHooks<Ts>): Promise<void> {
  const started = Date.now();
  statusCounts.clear();
  const details = await fc.check(property, fuzzParams<Ts>(ciRuns));
  if (details.failed) {
    const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''}`;
    process.stderr.write(`\n[fuzz] ${name} FAILED; replay with ${replay}\n`);
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`[fuzz] ${name}: replay with ${replay}\n${fc.defaultReportMessage(details) ?? ''}\nError: ${error}`, { cause: details.errorInstance });
  }
  const counts = [...statusCounts]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}:${n}`)
    .join(' ');
  statusCounts.clear();
  process.stdout.write(`[fuzz] ${name}: ${details.numRuns} cases in ${Date.now() - started} ms (seed ${details.seed})${counts === '' ? '' : `; statuses ${counts}`}\n`);
  fuzzCount.total += details.numRuns;
}

export const fuzzCount = { total: 0 };

/** Statuses seen during the current property, printed with its summary. */
export const statusCounts = new Map<number, number>();

/** README's error table: kind -> allowed statuses. */
export function documentedErrors(): ReadonlyMap<string, readonly number[]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = new Map<string, number[]>();
  for (const match of readme.matchAll(/^\| `([a-z-]+)` \| ([0-9 /]+) \|/gm)) {
    const kind = match[1] ?? '';
    table.set(
      kind,
      (match[2] ?? '').split('/').map((s) => Number(s.trim())),
    );
  }
  assert.ok(table.size >= 10, 'README error table not found');
  return table;
}

const DOCUMENTED = documentedErrors();

/** The headers every answer of the router carries. */
export function assertSecurityHeaders(res: Response, what: string): void {
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: Cache-Control`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
}

/**
 * The answer is one the README documents for this route: never a 5xx, an allowed status, and an
 * error body `{kind, msg, details?}` whose kind has that status in the error table.
 */
export function assertDocumentedAnswer(res: Response, allowed: readonly number[], what: string): void {
  statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
  if (process.env['FUZZ_DEBUG'] === '1' && res.status === 400) process.stderr.write(`DBG ${what.slice(0, 200)} :: ${res.text.slice(0, 200)}\n`);
  const summary = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status < 500, `5xx: ${summary}`);
  assert.ok(allowed.includes(res.status), `undocumented status for this route: ${summary}`);
  assertSecurityHeaders(res, summary);
  if (res.status === 200) return;
  assert.match(String(res.headers['content-type']), /^application\/json/, summary);
  const body = res.body as { kind?: unknown; msg?: unknown; details?: unknown };
  assert.equal(typeof body.kind, 'string', summary);
  assert.equal(typeof body.msg, 'string', summary);
  const kind = String(body.kind);
  assert.ok(kind.startsWith(NS), summary);
  const statuses = DOCUMENTED.get(kind.slice(NS.length));
  assert.ok(statuses !== undefined, `undocumented kind: ${summary}`);
  assert.ok(statuses.includes(res.status), `kind with the wrong status: ${summary}`);
  assert.deepEqual(
    Object.keys(body).filter((k) => !['kind', 'msg', 'details'].includes(k)),
    [],
    summary,
  );
}

/** A listening server for many requests (supertest then reuses its address instead of listening per request). */
export async function listen(app: express.Express): Promise<Server> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The jti of a token (for the snapshot), without verifying it. */
export function jtiOf(token: string): string {
  const payload = token.split('.')[1] ?? '';
  return String((JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown }).jti);
}

/**
 * Everything the memory stores hold, byte for byte: every user row with its history, the number of
 * token records, and which known token ids are still outstanding. (The `snapshot` of app.ts has
 * only the record count, which misses a token swapped for another.)
 */
export function fullSnapshot(t: TestApp, tokenIds: Iterable<string>): string {
  const userRows = t.users.listUsers().map((u) => ({ ...u, history: t.users.getPasswordHistory(u.id, 1000) }));
  const outstanding = [...new Set(tokenIds)].sort().map((id) => [id, t.tokens.find(id, new Date(0))]);
  return JSON.stringify({ userRows, size: t.tokens.size, outstanding });
}

// --- arbitraries -------------------------------------------------------------------------------

/** Header names that would break the HTTP framing itself rather than test the router. */
const RESERVED = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'content-type',
  'content-encoding',
  'x-authentication',
  'proxy-connection',
  'http2-settings',
]);
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');

/** A header value Node lets a client send: tab, visible ASCII, space, and latin1 bytes. */
export const headerValue = fc
  .oneof(
    fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
    fc
      .array(
        fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f),
        { maxLength: 40 },
      )
      .map((codes) => String.fromCharCode(...codes)),
    fc.constantFrom('', ' ', '*/*', 'application/json', 'text/plain', 'Bearer x', '\t', 'null', 'undefined', '__proto__', 'a'.repeat(2000)),
  )
  .map((v) => (v.trim() === '' ? v.trim() : v));

export const headerName = fc
  .oneof(
    fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 20 }).map((c) => c.join('')),
    fc.constantFrom(
      'Accept',
      'Accept-Charset',
      'Accept-Encoding',
      'Authorization',
      'Cookie',
      'X-Request-Id',
      'X-Forwarded-For',
      'X-Forwarded-Proto',
      'X-Forwarded-Host',
      'Origin',
      'Referer',
      'If-None-Match',
      'Range',
      'X-HTTP-Method-Override',
      'constructor',
    ),
  )
  .filter((name) => !RESERVED.has(name.toLowerCase()));

export const extraHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 4 }).map((h) => {
  // Case-insensitive duplicates would make the client merge them unpredictably.
  const seen = new Set<string>();
  return Object.fromEntries(Object.entries(h).filter(([k]) => !seen.has(k.toLowerCase()) && seen.add(k.toLowerCase())));
});

/** Garbage X-Authentication values (none of them a session). */
export const garbageAuth = fc.oneof(headerValue, fc.constantFrom("' OR '1'='1", '../../etc/passwd', 'null', '[object Object]', '__proto__', 'constructor', 'a'.repeat(5000)));

export const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json;;;=',
    'application/vnd.api+json',
    'application/json-patch+json',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '*/*',
    'application/*',
    'json',
    '',
    ' application/json',
    'APPLICATION/JSON',
  ),
  headerValue,
);

export const contentEncodings = fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-gzip', 'compress', 'GZIP', 'gzip, gzip', 'foo');

/** JSON-ish values, nested and with the keys prototype pollution likes. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.constantFrom(null, true, 0, -0, 1e308, '', '__proto__'),
    tie('object'),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
  object: fc.dictionary(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'token', 'password', 'current_password', 'reset_token', 'toString', 'hasOwnProperty'),
    ),
    tie('value'),
    { maxKeys: 5 },
  ),
})).value;

/** Serializes, keeping `__proto__` as an own key (JSON.stringify would drop the prototype slot). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export const deepNesting = fc
  .record({ depth: fc.integer({ min: 1, max: 5000 }), kind: fc.constantFrom('[', '{"a":') })
  .map(({ depth, kind }) => (kind === '[' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Bytes that are not valid UTF-8, spliced into a JSON string. */
export const invalidUtf8 = fc
  .array(fc.constantFrom(0xff, 0xfe, 0xc0, 0xc1, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf4, 0xf8), { minLength: 1, maxLength: 8 })
  .map((bytes) => Buffer.from(bytes));

export const hugeString = fc
  .record({ char: fc.constantFrom('x', 'é', '😀', '\u0000', '"', '\\'), length: fc.integer({ min: 4000, max: 20_000 }) })
  .map(({ char, length }) => char.repeat(length));
