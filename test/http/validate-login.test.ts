import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createBcryptHasher, createPasswordRouter, LOGIN_RULE_IDS, MemoryTokenStore, MemoryUserStore, type UserStore } from '../../lib/index.ts';
import { createTestApp, SECRET, snapshot, type TestApp } from '../helpers/app.ts';

const path = '/rbac-api/v1/command/validate-login';

function validate(t: TestApp, login: unknown, auth: string = t.auth.alice) {
  return request(t.app).post(path).set('X-Authentication', auth).send({ login });
}

const rulesOf = (res: request.Response) => (res.body as { failures: { rule: string }[] }).failures.map((f) => f.rule);

/** Counts the user store's findByLogin calls, to prove who makes the route read storage. */
function countLookups(t: TestApp): { count: number } {
  const seen = { count: 0 };
  const original = t.users.findByLogin.bind(t.users);
  t.users.findByLogin = (login: string) => {
    seen.count += 1;
    return original(login);
  };
  return seen;
}

describe('POST /command/validate-login', () => {
  it('answers 401 without authentication, before reading the body', async () => {
    const t = await createTestApp();
    const none = await request(t.app).post(path).send({ login: 'new-user' }).expect(401);
    assert.equal(none.body.kind, 'puppetlabs.rbac/user-unauthenticated');
    const garbage = await request(t.app).post(path).set('X-Authentication', 'not-a-session').send({ login: 'new-user' }).expect(401);
    assert.equal(garbage.body.kind, 'puppetlabs.rbac/user-unauthenticated');
    // A body that would be a 400 for a signed-in caller is never parsed for an anonymous one.
    await request(t.app).post(path).set('Content-Type', 'application/json').send('{"login":').expect(401);
  });

  it('refuses a revoked caller with 401 user-revoked, as the other routes do', async () => {
    const t = await createTestApp();
    t.users.setRevoked(t.alice.id, true);
    const res = await validate(t, 'new-user').expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-revoked');
  });

  it('answers {"valid", "failures"} in the shape of validate-password', async () => {
    const t = await createTestApp();
    const ok = await validate(t, 'new-user')
      .expect(200)
      .expect('Content-Type', /^application\/json/)
      .expect('Cache-Control', 'no-store');
    assert.deepEqual(ok.body, { valid: true, failures: [] });
    const short = await validate(t, 'bob').expect(200);
    assert.deepEqual(short.body, {
      valid: false,
      failures: [{ rule: 'minimum-length', msg: 'Login must be at least 6 characters long.', expected: 6, actual: 3 }],
    });
  });

  it('reports each rule, with stable ids, every failing rule at once', async () => {
    const t = await createTestApp();
    const cases: [string, string[]][] = [
      ['new-user', []],
      ['new user', []],
      ['Émilie.Dupont', []],
      ['名前ユーザー名', []],
      ['bob', ['minimum-length']],
      ['x'.repeat(255), []],
      ['x'.repeat(256), ['maximum-length']],
      ['new\u0000user', ['control-characters']],
      ['new\tuser', ['control-characters']],
      ['new\u0085user', ['control-characters']],
      ['new\u200Buser', ['invisible-characters']],
      ['admin\u202Eresu', ['invisible-characters']],
      ['bad\uD800user', ['ill-formed-unicode']],
      ['bad\uDFFFuser', ['ill-formed-unicode']],
      [' new-user', ['surrounding-whitespace']],
      ['new-user ', ['surrounding-whitespace']],
      ['new-user\u3000', ['surrounding-whitespace', 'not-normalized']],
      ['new-user\u00A0', ['surrounding-whitespace', 'not-normalized']],
      ['ｎｅｗ－ｕｓｅｒ', ['not-normalized']],
      ['e\u0301milie-d', ['not-normalized']],
      ['ﬁnance-team', ['not-normalized']],
      ['user²-name', ['not-normalized']],
      ['       ', ['surrounding-whitespace']],
      [' a\u0000', ['control-characters', 'surrounding-whitespace', 'minimum-length']],
    ];
    for (const [login, expected] of cases) {
      const res = await validate(t, login).expect(200);
      assert.deepEqual(rulesOf(res), expected, JSON.stringify(login));
      assert.equal(res.body.valid, expected.length === 0, JSON.stringify(login));
      for (const failure of res.body.failures as { rule: string; msg: string }[]) {
        assert.ok((LOGIN_RULE_IDS as readonly string[]).includes(failure.rule));
        assert.match(failure.msg, /^Login /);
      }
    }
    const long = await validate(t, 'x'.repeat(300)).expect(200);
    assert.deepEqual(long.body.failures, [{ rule: 'maximum-length', msg: 'Login must be at most 255 characters long.', expected: 255, actual: 300 }]);
    // Lengths count code points: four emoji are four characters, not eight UTF-16 units.
    assert.deepEqual((await validate(t, '🙂🙂🙂🙂').expect(200)).body.failures[0], {
      rule: 'minimum-length',
      msg: 'Login must be at least 6 characters long.',
      expected: 6,
      actual: 4,
    });
  });

  it('follows the policy settings loginMinimumLength and loginMaximumLength', async () => {
    const t = await createTestApp({ policy: { loginMinimumLength: 3, loginMaximumLength: 8 } });
    assert.deepEqual((await validate(t, 'bob').expect(200)).body, { valid: true, failures: [] });
    assert.deepEqual(rulesOf(await validate(t, 'al').expect(200)), ['minimum-length']);
    assert.deepEqual((await validate(t, 'abcdefghi').expect(200)).body.failures, [
      { rule: 'maximum-length', msg: 'Login must be at most 8 characters long.', expected: 8, actual: 9 },
    ]);
    assert.throws(
      () => createPasswordRouter({ ...routerBasics(), policy: { loginMinimumLength: 9, loginMaximumLength: 8 } }),
      /loginMinimumLength \(9\) is greater than loginMaximumLength \(8\)/,
    );
    assert.throws(() => createPasswordRouter({ ...routerBasics(), policy: { loginMinimumLength: 0 } }), /loginMinimumLength must be at least 1/);
    assert.throws(() => createPasswordRouter({ ...routerBasics(), policy: { login_minimum_length: 6 } as never }), /Did you mean "loginMinimumLength"/);
  });

  it('reports login-taken only to a caller allowed to create users', async () => {
    const t = await createTestApp();
    const lookups = countLookups(t);
    // The admin's session may create users (canCreateUsers): it learns that ldap-bob exists.
    const taken = await validate(t, 'ldap-bob', t.auth.admin).expect(200);
    assert.deepEqual(taken.body, { valid: false, failures: [{ rule: 'login-taken', msg: 'Login is already taken.' }] });
    assert.deepEqual((await validate(t, 'new-user', t.auth.admin).expect(200)).body, { valid: true, failures: [] });
    assert.equal(lookups.count, 2);
    // Logins are compared exactly, as the store keeps them.
    assert.deepEqual((await validate(t, 'LDAP-BOB', t.auth.admin).expect(200)).body, { valid: true, failures: [] });

    // Alice may not: the same login is simply valid for her, and storage is never read.
    lookups.count = 0;
    assert.deepEqual((await validate(t, 'ldap-bob', t.auth.alice).expect(200)).body, { valid: true, failures: [] });
    assert.deepEqual((await validate(t, 'ldap-bob', t.auth.remote).expect(200)).body, { valid: true, failures: [] });
    assert.equal(lookups.count, 0);

    // A login that breaks a rule is not looked up, even for the admin: "alice" is only too short.
    assert.deepEqual(rulesOf(await validate(t, 'alice', t.auth.admin).expect(200)), ['minimum-length']);
    assert.deepEqual(rulesOf(await validate(t, 'ldap-bob\u0000', t.auth.admin).expect(200)), ['control-characters']);
    assert.equal(lookups.count, 0);
  });

  it('never reports login-taken when the authorizer has no canCreateUsers, or the store no findByLogin', async () => {
    const t = await createTestApp();
    const { canCreateUsers: _dropped, ...withoutCreate } = t.authorizer;
    const other = await createTestApp({ authorizer: withoutCreate });
    // The copied authorizer still reads the first app's sessions.
    const admin = t.session(other.admin.id, true, true);
    assert.deepEqual((await validate(other, 'ldap-bob', admin).expect(200)).body, { valid: true, failures: [] });

    const noLookup = await createTestApp();
    (noLookup.users as { findByLogin?: unknown }).findByLogin = undefined;
    assert.deepEqual((await validate(noLookup, 'ldap-bob', noLookup.auth.admin).expect(200)).body, { valid: true, failures: [] });
  });

  it('answers 503 when the lookup or the permission check fails, and changes nothing', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    t.users.findByLogin = () => {
      throw new Error('store down');
    };
    const down = await validate(t, 'new-user', t.auth.admin).expect(503).expect('Retry-After', /^\d+$/);
    assert.equal(down.body.kind, 'puppetlabs.rbac/server-error');
    assert.doesNotMatch(down.text, /store down/);
    assert.equal(snapshot(t), before);

    const failingAuthorizer = await createTestApp();
    const authorizer = failingAuthorizer.authorizer as { canCreateUsers?: unknown };
    authorizer.canCreateUsers = () => Promise.reject(new Error('directory down'));
    await validate(failingAuthorizer, 'new-user', failingAuthorizer.auth.admin).expect(503);
  });

  it('refuses bad bodies with 400 and oversized ones with 413', async () => {
    const t = await createTestApp();
    const post = () => request(t.app).post(path).set('X-Authentication', t.auth.alice);
    const kinds = [
      (await post().send({}).expect(400)).body.kind,
      (await post().send({ login: '' }).expect(400)).body.kind,
      (await post().send({ login: 42 }).expect(400)).body.kind,
      (await post().send({ login: 'new-user', extra: 1 }).expect(400)).body.kind,
      (
        await post()
          .send({ login: 'x'.repeat(4097) })
          .expect(400)
      ).body.kind,
    ];
    assert.deepEqual(new Set(kinds), new Set(['puppetlabs.rbac/schema-violation']));
    assert.equal((await post().set('Content-Type', 'text/plain').send('new-user').expect(400)).body.kind, 'puppetlabs.rbac/malformed-request');
    assert.equal((await post().set('Content-Type', 'application/json').send('{"login":').expect(400)).body.kind, 'puppetlabs.rbac/malformed-request');
    await post()
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ login: 'y'.repeat(20_000) }))
      .expect(413);
  });

  it('answers a request shaped as the official Ruby client sends it', async () => {
    const t = await createTestApp();
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify({ login: 'new-user' });
      // Exactly these headers: Content-Type: application/json, X-Authentication, and no Accept.
      const answer = await new Promise<{ status: number; type: string | undefined; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path,
            headers: { 'Content-Type': 'application/json', 'X-Authentication': t.auth.admin, 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        req.on('error', reject);
        assert.equal(req.getHeader('accept'), undefined);
        req.end(body);
      });
      assert.equal(answer.status, 200);
      assert.match(String(answer.type), /^application\/json/);
      assert.deepEqual(JSON.parse(answer.text), { valid: true, failures: [] });
    } finally {
      server.close();
    }
  });

  it('service.validateLogin(login), for the host’s own user creation, always checks login-taken', async () => {
    const t = await createTestApp();
    const service = t.router.service;
    assert.deepEqual(await service.validateLogin('ldap-bob'), { valid: false, failures: [{ rule: 'login-taken', msg: 'Login is already taken.' }] });
    assert.deepEqual(await service.validateLogin('new-user'), { valid: true, failures: [] });
    assert.deepEqual(
      (await service.validateLogin(' x')).failures.map((f) => f.rule),
      ['surrounding-whitespace', 'minimum-length'],
    );
    // With a caller, as the route does it: no permission, no lookup.
    assert.deepEqual(await service.validateLogin('ldap-bob', { userId: t.alice.id, canReset: false }), { valid: true, failures: [] });
    await assert.rejects(service.validateLogin(42 as unknown as string), TypeError);
  });

  it('refuses an authorizer whose canCreateUsers is not a function', () => {
    assert.throws(
      () => createPasswordRouter({ ...routerBasics(), authorizer: { authenticate: () => null, canResetPassword: () => false, canCreateUsers: true as never } }),
      /option authorizer canCreateUsers must be a method/,
    );
  });
});

function routerBasics() {
  return {
    userStore: new MemoryUserStore() as UserStore,
    tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: SECRET,
    hasher: createBcryptHasher({ cost: 4 }),
  };
}
