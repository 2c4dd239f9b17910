/**
 * Property-based fuzzing of every route through HTTP: arbitrary bodies (JSON values, raw and
 * invalid UTF-8 bytes, deep nesting, `__proto__`/`constructor` keys, huge strings), content types
 * and encodings, headers (X-Authentication garbage included) and `:sid` segments.
 *
 * Properties, for every answer: only statuses and kinds of README's error table for that route,
 * never a 5xx, the security headers, 200 only for a request that is legitimate, and storage byte
 * for byte unchanged after any refused request. The process stays up: a legit request still works
 * at the end. Scale with FUZZ_RUNS, replay with FUZZ_SEED / FUZZ_PATH (see helpers/fuzz-support.ts).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';
import {
  assertDocumentedAnswer,
  close,
  contentEncodings,
  contentTypes,
  deepNesting,
  extraHeaders,
  fullSnapshot,
  fuzz,
  garbageAuth,
  hugeString,
  invalidUtf8,
  jtiOf,
  listen,
  nastyJson,
  toJsonText,
} from '../helpers/fuzz-support.ts';

const base = '/rbac-api/v1';

/** One generated request, described so the oracle can tell whether it is legitimate. */
interface Shot {
  readonly method: 'post' | 'put';
  readonly path: string;
  readonly auth: { readonly who: 'admin' | 'alice' | 'remote' | 'none' | 'garbage'; readonly value?: string };
  readonly contentType: string | undefined;
  readonly encoding: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The object the body encodes when it was built from the route's fields, else undefined. */
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

interface World {
  readonly t: TestApp;
  readonly server: Server;
  readonly tokenIds: Set<string>;
  /** The one outstanding reset token of alice. */
  token: string;
  /** Current passwords by user id. */
  readonly passwords: Map<string, string>;
}

async function newWorld(options: Parameters<typeof createTestApp>[0] = {}): Promise<World> {
  const t = await createTestApp(options);
  const server = await listen(t.app);
  const world: World = {
    t,
    server,
    tokenIds: new Set(),
    token: '',
    passwords: new Map([
      [t.alice.id, GOOD_PASSWORD],
      [t.admin.id, GOOD_PASSWORD],
    ]),
  };
  await reissue(world);
  return world;
}

async function reissue(w: World): Promise<void> {
  const issued = await w.t.router.service.issueResetToken({ userId: w.t.admin.id, canReset: true }, w.t.alice.id);
  w.token = issued.token;
  w.tokenIds.add(jtiOf(issued.token));
}

function send(w: World, shot: Shot): Promise<request.Response> {
  let req = request(w.server)[shot.method](shot.path);
  for (const [name, value] of Object.entries(shot.headers)) req = req.set(name, value);
  if (shot.auth.value !== undefined) req = req.set('X-Authentication', shot.auth.value);
  if (shot.contentType !== undefined) req = req.set('Content-Type', shot.contentType);
  if (shot.encoding !== undefined) req = req.set('Content-Encoding', shot.encoding);
  // The identity serializer sends the bytes as they are (superagent would JSON-encode a Buffer).
  return shot.body === undefined ? req : req.serialize((bytes: unknown) => bytes as string).send(shot.body);
}

const authArb = (w: World) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('admin' as const, 'alice' as const, 'remote' as const).map((who) => ({ who, value: w.t.auth[who] })) },
    { weight: 1, arbitrary: fc.constant({ who: 'none' as const }) },
    { weight: 1, arbitrary: garbageAuth.map((value) => ({ who: 'garbage' as const, value })) },
  );

/** Passwords that pass the default policy, so legit requests can succeed. */
const strongPassword = fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom('!', '#', '-', '_')).map(([n, sep]) => `Fuzz${sep}Pa55word${sep}${n}`);
const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', 'null', '__proto__') },
  { weight: 1, arbitrary: hugeString },
);

/** A field value: mostly strings of interest, sometimes any JSON. */
const fieldValue = (interesting: fc.Arbitrary<string>) => fc.oneof({ weight: 12, arbitrary: interesting }, { weight: 1, arbitrary: nastyJson });

/** Body generators: [fields object] or [raw bytes]. */
function bodyArb(fieldArbs: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<{ body: Buffer | undefined; fields: Record<string, unknown> | undefined }> {
  const build = (known: Record<string, unknown>, extra: Record<string, unknown> | null) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(known)) object[k] = v;
    // defineProperty keeps `__proto__` an own key, as JSON.parse makes it on the server.
    for (const [k, v] of Object.entries(extra ?? {})) Object.defineProperty(object, k, { value: v, enumerable: true, configurable: true, writable: true });
    return { body: Buffer.from(toJsonText(object)), fields: object };
  };
  const extras = fc.oneof(
    { weight: 5, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'Token', 'PASSWORD', ''), nastyJson, { minKeys: 1, maxKeys: 2 }) },
  );
  const complete = fc.tuple(fc.record(fieldArbs), extras).map(([known, extra]) => build(known, extra));
  const partial = fc.tuple(fc.record(fieldArbs, { requiredKeys: [] }), extras).map(([known, extra]) => build(known, extra));
  const raw = fc.oneof(
    nastyJson.map((v) => Buffer.from(toJsonText(v))),
    deepNesting.map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(fc.constantFrom('{"token":"', '{"password":"', '{"current_password":"', '{"reset_token":"', '"'), invalidUtf8, fc.constantFrom('"}', '","password":"x"}', ''))
      .map(([a, bad, b]) => Buffer.concat([Buffer.from(a), bad, Buffer.from(b)])),
    fc
      .constantFrom(
        '',
        '{',
        '}',
        'null',
        '[]',
        '"x"',
        '{"__proto__":{"isAdmin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        '\ufeff{}',
        '{"a":1}garbage',
        'token=x&password=y',
      )
      .map((s) => Buffer.from(s)),
  );
  return fc.oneof(
    { weight: 8, arbitrary: complete },
    { weight: 2, arbitrary: partial },
    { weight: 3, arbitrary: raw.map((body) => ({ body, fields: undefined })) },
    { weight: 1, arbitrary: fc.constant({ body: undefined, fields: undefined }) },
  );
}

const ctArb = fc.oneof({ weight: 10, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: contentTypes }, { weight: 1, arbitrary: fc.constant(undefined) });
const encArb = fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: contentEncodings });

/** Whether a body of these fields passes the route's schema (the oracle's own reading). */
function schemaOk(fields: Readonly<Record<string, unknown>> | undefined, required: readonly string[], optional: readonly string[] = []): fields is Record<string, string> {
  if (fields === undefined) return false;
  const keys = Object.keys(fields);
  if (keys.some((k) => !required.includes(k) && !optional.includes(k))) return false;
  if (required.some((k) => !keys.includes(k))) return false;
  // ajv counts code points, not UTF-16 units.
  return keys.every((k) => typeof fields[k] === 'string' && [...(fields[k] as string)].length >= 1 && [...(fields[k] as string)].length <= 4096);
}

/**
 * The fields the server will see: the generated ones, or those of a raw body that happens to be
 * a valid UTF-8 JSON object (e.g. `{"password":" "}`), so the oracle judges what was sent.
 */
function sentFields(fields: Record<string, unknown> | undefined, bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (fields !== undefined || bytes === undefined) return fields;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON content type the router may accept (type-is is lenient about malformed parameters). */
function plainJson(shot: Shot): boolean {
  const ct = shot.contentType;
  if (ct === undefined || !/^\s*application\/json\s*(;|$)/i.test(ct)) return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(ct)?.[1];
  return (charset === undefined || charset.toLowerCase() === 'utf-8') && (shot.encoding === undefined || shot.encoding.toLowerCase() === 'identity');
}

/** Sends the shot and checks the common properties; returns the answer. */
async function fire(w: World, shot: Shot, allowed: readonly number[], legit: boolean, mutates: boolean): Promise<request.Response> {
  const before = fullSnapshot(w.t, w.tokenIds);
  const res = await send(w, shot);
  const what = `${shot.method.toUpperCase()} ${shot.path} auth=${shot.auth.who} ct=${String(shot.contentType)} enc=${String(shot.encoding)} body=${JSON.stringify(shot.body?.toString('latin1').slice(0, 120))}`;
  assertDocumentedAnswer(res, allowed, what);
  if (res.status === 200) assert.ok(legit, `200 for a request that is not legitimate: ${what}`);
  if (res.status !== 200 || !mutates) assert.equal(fullSnapshot(w.t, w.tokenIds), before, `storage changed: ${what} -> ${res.status} ${res.text.slice(0, 200)}`);
  return res;
}

/**
 * The login rules as the README states them, written independently of lib/policy/login-rules.ts:
 * the failing rule ids, in the documented order, under the default policy (6 to 255 characters).
 */
function expectedLoginRules(login: string, mayCreateUsers: boolean, existing: ReadonlySet<string>): string[] {
  const length = [...login].length;
  const rules = [
    [/[\uD800-\uDFFF]/u.test(login), 'ill-formed-unicode'],
    [/\p{Cc}/u.test(login), 'control-characters'],
    [/\p{Cf}/u.test(login), 'invisible-characters'],
    [/^\p{White_Space}|\p{White_Space}$/u.test(login), 'surrounding-whitespace'],
    [login.normalize('NFKC') !== login, 'not-normalized'],
    [length < 6, 'minimum-length'],
    [length > 255, 'maximum-length'],
  ] as const;
  const failing: string[] = rules.filter(([fails]) => fails).map(([, rule]) => rule);
  if (failing.length === 0 && mayCreateUsers && existing.has(login)) failing.push('login-taken');
  return failing;
}

// --- :sid segments ------------------------------------------------------------------------------

function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'));
  }
}

const sidArb = (w: World) =>
  fc
    .oneof(
      fc.constantFrom(w.t.alice.id, w.t.admin.id, w.t.remote.id, w.t.alice.id.toUpperCase(), '00000000-0000-0000-0000-000000000000').map(encode),
      fc.constantFrom(w.t.alice.id).map((id) => id.replace(/[0-9a-f]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)),
      fc.uuid().map(encode),
      fc.string({ minLength: 1, maxLength: 60 }).map(encode),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(encode),
      fc.constantFrom(
        '%',
        '%%',
        '%E0%A4%A',
        '%ZZ',
        '%00',
        '%C0%AF',
        '%ED%A0%80',
        '%FF',
        '..',
        '.',
        "'%20OR%201=1--",
        '..%2F..%2Fetc%2Fpasswd',
        '%2e%2e',
        '{uuid}',
        'current',
        'null',
        '__proto__',
        'constructor',
        'a'.repeat(3000),
      ),
      fc.tuple(fc.uuid(), fc.constantFrom('%20', '%00', '%0A', ';', ',', '%7B')).map(([id, tail]) => `${id}${tail}`),
    )
    .filter((s) => s.length > 0);

describe('fuzz: every route through HTTP', () => {
  let w: World;
  let wNoLockout: World;

  before(async () => {
    w = await newWorld();
    // Lockout off for the change route: a wrong current password would otherwise change the
    // counter, which is documented, and then revoke the fuzzed user after 10 tries.
    wNoLockout = await newWorld({ failedAttemptsLockout: 0 });
  });
  after(async () => {
    await close(w.server);
    await close(wNoLockout.server);
  });

  it('POST /users/:sid/password/reset', async () => {
    const arb = fc.record({ sid: sidArb(w), auth: authArb(w), headers: extraHeaders, body: bodyArb({ token: fieldValue(anyString) }), ct: ctArb, enc: encArb });
    await fuzz(
      'issue',
      400,
      fc.asyncProperty(arb, async ({ sid, auth, headers, body, ct, enc }) => {
        const shot: Shot = { method: 'post', path: `${base}/users/${sid}/password/reset`, auth, headers, contentType: ct, encoding: enc, ...body };
        let decoded: string | undefined;
        try {
          decoded = decodeURIComponent(sid).toLowerCase();
        } catch {
          decoded = undefined;
        }
        const legit = auth.who === 'admin' && (decoded === w.t.alice.id || decoded === w.t.admin.id);
        const res = await fire(w, shot, [200, 400, 401, 403, 404], legit, true);
        if (res.status === 200) {
          const token = res.headers['content-type']?.startsWith('application/json') ? (res.body as { token: string }).token : res.text;
          w.tokenIds.add(jtiOf(token));
          if (decoded === w.t.alice.id) w.token = token;
        }
      }),
    );
  });

  it('POST /auth/reset', async () => {
    const tokenArb = fc.oneof({ weight: 3, arbitrary: fc.constant('VALID') }, { weight: 1, arbitrary: fc.constant('VALID-TAMPERED') }, { weight: 3, arbitrary: anyString });
    const arb = fc.record({
      auth: authArb(w),
      headers: extraHeaders,
      ct: ctArb,
      enc: encArb,
      body: bodyArb({ token: fieldValue(tokenArb), password: fieldValue(fc.oneof({ weight: 3, arbitrary: strongPassword }, { weight: 2, arbitrary: anyString })) }),
    });
    await fuzz(
      'reset',
      600,
      fc.asyncProperty(arb, async ({ auth, headers, ct, enc, body }) => {
        // The placeholders become the current token here, since it changes after each success.
        const fields = body.fields === undefined ? undefined : { ...body.fields };
        if (fields !== undefined) {
          if (fields['token'] === 'VALID') fields['token'] = w.token;
          if (fields['token'] === 'VALID-TAMPERED') fields['token'] = `${w.token.slice(0, -2)}${w.token.endsWith('AA') ? 'BB' : 'AA'}`;
        }
        const bytes = fields === undefined ? body.body : Buffer.from(toJsonText(fields));
        const shot: Shot = { method: 'post', path: `${base}/auth/reset`, auth, headers, contentType: ct, encoding: enc, body: bytes, fields };
        const sent = sentFields(fields, bytes);
        const legit = plainJson(shot) && schemaOk(sent, ['token', 'password']) && sent['token'] === w.token;
        const res = await fire(w, shot, [200, 400, 403, 413], legit, true);
        if (res.status === 200) {
          w.passwords.set(w.t.alice.id, String(sent?.['password']));
          assert.equal((await w.t.router.service.verifyLogin('alice', String(sent?.['password']))).ok, true);
          await reissue(w);
        }
      }),
    );
  });

  it('PUT /users/current/password', async () => {
    const v = wNoLockout;
    const currentArb = fc.oneof({ weight: 3, arbitrary: fc.constant('CURRENT') }, { weight: 2, arbitrary: anyString }, { weight: 1, arbitrary: strongPassword });
    const arb = fc.record({
      auth: authArb(v),
      headers: extraHeaders,
      ct: ctArb,
      enc: encArb,
      body: bodyArb({ current_password: fieldValue(currentArb), password: fieldValue(fc.oneof({ weight: 3, arbitrary: strongPassword }, { weight: 2, arbitrary: anyString })) }),
    });
    await fuzz(
      'change',
      500,
      fc.asyncProperty(arb, async ({ auth, headers, ct, enc, body }) => {
        const userId = auth.who === 'alice' ? v.t.alice.id : auth.who === 'admin' ? v.t.admin.id : undefined;
        const fields = body.fields === undefined ? undefined : { ...body.fields };
        if (fields?.['current_password'] === 'CURRENT') fields['current_password'] = v.passwords.get(userId ?? '') ?? 'nobody';
        const bytes = fields === undefined ? body.body : Buffer.from(toJsonText(fields));
        const shot: Shot = { method: 'put', path: `${base}/users/current/password`, auth, headers, contentType: ct, encoding: enc, body: bytes, fields };
        const sent = sentFields(fields, bytes);
        const legit = userId !== undefined && plainJson(shot) && schemaOk(sent, ['current_password', 'password']) && sent['current_password'] === v.passwords.get(userId);
        const res = await fire(v, shot, [200, 400, 401, 403, 409, 413], legit, true);
        if (res.status === 200 && userId !== undefined) v.passwords.set(userId, String(sent?.['password']));
      }),
    );
  });

  it('POST /command/validate-password', async () => {
    const tokenArb = fc.oneof({ weight: 2, arbitrary: fc.constant('VALID') }, { weight: 3, arbitrary: anyString });
    const arb = fc.record({
      auth: authArb(w),
      headers: extraHeaders,
      ct: ctArb,
      enc: encArb,
      body: bodyArb({ password: fieldValue(fc.oneof({ weight: 3, arbitrary: strongPassword }, { weight: 2, arbitrary: anyString })), reset_token: fieldValue(tokenArb) }),
    });
    await fuzz(
      'validate',
      500,
      fc.asyncProperty(arb, async ({ auth, headers, ct, enc, body }) => {
        const fields = body.fields === undefined ? undefined : { ...body.fields };
        if (fields?.['reset_token'] === 'VALID') fields['reset_token'] = w.token;
        const bytes = fields === undefined ? body.body : Buffer.from(toJsonText(fields));
        const shot: Shot = { method: 'post', path: `${base}/command/validate-password`, auth, headers, contentType: ct, encoding: enc, body: bytes, fields };
        const authenticated = auth.who === 'admin' || auth.who === 'alice' || auth.who === 'remote';
        const sent = sentFields(fields, bytes);
        const legit = plainJson(shot) && schemaOk(sent, ['password'], ['reset_token']) && (sent['reset_token'] === undefined ? authenticated : sent['reset_token'] === w.token);
        const res = await fire(w, shot, [200, 400, 401, 403, 413], legit, false);
        if (res.status === 200) {
          assert.equal(typeof res.body.valid, 'boolean');
          assert.ok(Array.isArray(res.body.failures));
        }
      }),
    );
  });

  it('POST /command/validate-login', async () => {
    // Logins that exist, near misses of them, and rule breakers, besides arbitrary strings.
    const loginArb = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom('ldap-bob', 'LDAP-BOB', 'ldap-bob ', 'ｌｄａｐ-ｂｏｂ', 'ldap\u200Bbob', 'admin', 'alice', 'new-user') },
      { weight: 3, arbitrary: anyString },
    );
    const arb = fc.record({ auth: authArb(w), headers: extraHeaders, ct: ctArb, enc: encArb, body: bodyArb({ login: fieldValue(loginArb) }) });
    const existing = new Set(w.t.users.listUsers().map((u) => u.login));
    await fuzz(
      'validate-login',
      400,
      fc.asyncProperty(arb, async ({ auth, headers, ct, enc, body }) => {
        const shot: Shot = { method: 'post', path: `${base}/command/validate-login`, auth, headers, contentType: ct, encoding: enc, ...body };
        const sent = sentFields(body.fields, body.body);
        const authenticated = auth.who === 'admin' || auth.who === 'alice' || auth.who === 'remote';
        const legit = authenticated && plainJson(shot) && schemaOk(sent, ['login']);
        const res = await fire(w, shot, [200, 400, 401, 413], legit, false);
        if (res.status === 200) {
          // Only the admin's session may create users, so only it may learn that a login exists.
          const expected = expectedLoginRules(String(sent?.['login']), auth.who === 'admin', existing);
          assert.deepEqual(
            (res.body as { failures: { rule: string }[] }).failures.map((f) => f.rule),
            expected,
            `validate-login ${JSON.stringify(sent?.['login'])} as ${auth.who}`,
          );
          assert.equal(res.body.valid, expected.length === 0);
        }
      }),
    );
  });

  it('the process is still up and serves legit requests after the fuzzing', async () => {
    const res = await request(w.server).post(`${base}/command/validate-password`).send({ password: 'Still-Alive-Pa55word!', reset_token: w.token }).expect(200);
    assert.equal(res.body.valid, true);
    await request(w.server).post(`${base}/auth/reset`).send({ token: w.token, password: 'Still-Alive-Pa55word!' }).expect(200);
    assert.equal((await w.t.router.service.verifyLogin('alice', 'Still-Alive-Pa55word!')).ok, true);
  });
});
