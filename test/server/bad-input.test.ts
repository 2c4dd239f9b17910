/**
 * Bad input to the reference server (memory store): every route answers like the library, and bad
 * settings or seed files stop the start naming the variable, file and field.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { ADMIN_PASSWORD, BASE_ENV, runProcess, spawnServer, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const json = { 'Content-Type': 'application/json' };
let running: RunningServer;
let adminToken: string;
before(async () => {
  running = await startServer({ RBAC_STORE: 'memory' });
  adminToken = (await request(running.base).post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token;
});
after(async () => {
  await running?.close();
});

describe('server routes refuse bad input like the library', () => {
  test('POST /auth/token: wrong content type, bad JSON, schema, __proto__', async () => {
    const api = request(running.base);
    assert.equal((await api.post('/auth/token').set('Content-Type', 'text/plain').send('x').expect(400)).body.kind, 'puppetlabs.rbac/malformed-request');
    assert.equal((await api.post('/auth/token').set(json).send('{"login":').expect(400)).body.kind, 'puppetlabs.rbac/malformed-request');
    assert.equal((await api.post('/auth/token').set(json).send({ login: 'admin' }).expect(400)).body.kind, 'puppetlabs.rbac/schema-violation');
    assert.equal((await api.post('/auth/token').set(json).send({ login: 'admin', password: 5 }).expect(400)).body.kind, 'puppetlabs.rbac/schema-violation');
    await api.post('/auth/token').set(json).send('{"login":"admin","password":"x","__proto__":{"a":1}}').expect(400);
    // Not UTF-8: refused, never decoded to U+FFFD (the library's body parser, shared with the server).
    const notUtf8 = Buffer.concat([Buffer.from('{"login":"admin","password":"Root-'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const invalid = await api
      .post('/auth/token')
      .set(json)
      .serialize((b: unknown) => b as string)
      .send(notUtf8)
      .expect(400);
    assert.equal(invalid.body.kind, 'puppetlabs.rbac/malformed-request');
    await api
      .post('/auth/token')
      .set(json)
      .send({ login: 'admin', password: 'x'.repeat(20_000) })
      .expect(413);
  });

  test('authentication: none, junk, a reset token', async () => {
    const api = request(running.base);
    for (const header of [undefined, 'junk', 'a'.repeat(43), 'eyJhbGciOiJIUzI1NiJ9.e30.sig']) {
      const call = api.get('/users');
      const answer = await (header === undefined ? call : call.set('X-Authentication', header)).expect(401);
      assert.equal(answer.body.kind, 'puppetlabs.rbac/user-unauthenticated');
    }
  });

  test('GET /users/:sid: invalid uuid, unknown user', async () => {
    const api = request(running.base);
    assert.equal((await api.get('/users/not-a-uuid').set('X-Authentication', adminToken).expect(400)).body.kind, 'puppetlabs.rbac/invalid-uuid');
    assert.equal((await api.get('/users/00000000-0000-4000-8000-000000000000').set('X-Authentication', adminToken).expect(404)).body.kind, 'puppetlabs.rbac/not-found');
  });

  test('revoke/reinstate: schema, invalid uuid, unknown user, extra fields', async () => {
    const api = request(running.base);
    const post = (path: string, body: unknown) =>
      api
        .post(path)
        .set('X-Authentication', adminToken)
        .set(json)
        .send(body as object);
    assert.equal((await post('/command/users/revoke', {}).expect(400)).body.kind, 'puppetlabs.rbac/schema-violation');
    assert.equal((await post('/command/users/revoke', { user_id: 'x' }).expect(400)).body.kind, 'puppetlabs.rbac/invalid-uuid');
    assert.equal((await post('/command/users/reinstate', { user_id: '00000000-0000-4000-8000-000000000000' }).expect(404)).body.kind, 'puppetlabs.rbac/not-found');
    assert.equal((await post('/command/users/revoke', { user_id: '00000000-0000-4000-8000-000000000000', extra: 1 }).expect(400)).body.kind, 'puppetlabs.rbac/schema-violation');
    await api.post('/command/users/revoke').set(json).send({ user_id: '00000000-0000-4000-8000-000000000000' }).expect(401);
  });

  test('unknown routes answer 404 not-found in the API format', async () => {
    assert.equal((await request(running.base).get('/no-such-route').expect(404)).body.kind, 'puppetlabs.rbac/not-found');
  });

  test('pages carry a strict CSP and no-referrer, and their assets load', async () => {
    for (const page of ['/reset-password', '/change-password', '/ui/reset-password.js', '/ui/style.css']) {
      const answer = await request(running.base).get(page).expect(200);
      assert.match(String(answer.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    }
    const html = (await request(running.base).get('/reset-password').expect(200)).text;
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
    await request(running.base).get('/ui/../server.ts').expect(404);
  });
});

describe('start-up refuses bad settings', () => {
  test('bad environment values are named, all at once', () => {
    assert.throws(
      () => readEnvironment({ ...BASE_ENV, RBAC_BCRYPT_COST: 'twelve', RBAC_FAILED_ATTEMPTS_LOCKOUT: '-1', RBAC_TOKEN_SECRET: 'short', RBAC_PUBLIC_URL: 'x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const name of ['RBAC_BCRYPT_COST', 'RBAC_FAILED_ATTEMPTS_LOCKOUT', 'RBAC_TOKEN_SECRET', 'RBAC_PUBLIC_URL']) {
          assert.ok(error.message.includes(name), `${name} in ${error.message}`);
        }
        return true;
      },
    );
  });

  test('an unknown RBAC_* variable is a warning with a suggestion, not a refusal', () => {
    const config = readEnvironment({ ...BASE_ENV, RBAC_PASSWORD_MINIMUM_LENGHT: '3' });
    assert.deepEqual(config.warnings, ['RBAC_PASSWORD_MINIMUM_LENGHT is not a setting of the reference server and is ignored; did you mean RBAC_PASSWORD_MINIMUM_LENGTH?']);
  });

  test('RBAC_PASSWORD_RESET_EXPIRATION takes fractions of an hour down to one second', () => {
    assert.equal(readEnvironment({ ...BASE_ENV, RBAC_PASSWORD_RESET_EXPIRATION: '0.001' }).passwordResetExpiration, 0.001);
    assert.throws(() => readEnvironment({ ...BASE_ENV, RBAC_PASSWORD_RESET_EXPIRATION: '0' }), /RBAC_PASSWORD_RESET_EXPIRATION/);
  });

  test('operator-chosen passwords that break the policy are accepted with a warning; unusable ones stop the start', async () => {
    const dir = tempDir('weak-seed');
    const weak = path.join(dir, 'weak.json');
    writeFileSync(weak, JSON.stringify({ users: [{ login: 'carol', password: 'carol-password' }] }));
    const running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: weak, RBAC_ADMIN_PASSWORD: 'admin' });
    try {
      assert.ok(running.printed.some((line) => line.includes('warning: RBAC_ADMIN_PASSWORD does not meet the password policy')));
      assert.ok(running.printed.some((line) => line.includes('users[0].password (carol) does not meet the password policy')));
      assert.ok(!running.printed.some((line) => line.includes('carol-password')), 'a password was printed');
      await request(running.base).post('/auth/token').set(json).send({ login: 'carol', password: 'carol-password' }).expect(200);
      await request(running.base).post('/auth/token').set(json).send({ login: 'admin', password: 'admin' }).expect(200);
    } finally {
      await running.close();
    }
    const unusable = path.join(dir, 'unusable.json');
    writeFileSync(unusable, JSON.stringify({ users: [{ login: 'dave', password: 'x'.repeat(80) }] }));
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_SEED: unusable }), (e: Error) => e.message.includes('users[0].password cannot be used'));
  });

  test('a seed file with invalid JSON or an unknown field names the file and the field', async () => {
    const dir = tempDir('seed');
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"users": [');
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_SEED: broken }), (e: Error) => e.message.includes(broken) && e.message.includes('not valid JSON'));
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ users: [{ login: 'carol' }, { login: 'dave', passwrd: 'x' }] }));
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_SEED: unknown }), (e: Error) => e.message.includes(unknown) && e.message.includes('users[1].passwrd'));
    // The same through `npm start`: exit code 1 and the message on stderr.
    const result = await runProcess([path.join('examples', 'server', 'main.ts')], { ...BASE_ENV, RBAC_STORE: 'memory', RBAC_SEED: unknown });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /users\[1\]\.passwrd is not known/);
  });

  test('npm start on memory prints a generated admin password once, and it works', async () => {
    const child = await spawnServer({ RBAC_STORE: 'memory', RBAC_ADMIN_PASSWORD: '' });
    try {
      const match = /generated password[^\n]*\n\s+(\S+)/.exec(child.stdout());
      assert.ok(match?.[1], child.stdout());
      const answer = await request(child.base).post('/auth/token').set(json).send({ login: 'admin', password: match[1] }).expect(200);
      assert.match(answer.body.token, /^[A-Za-z0-9_-]{43}$/);
    } finally {
      assert.equal(await child.stop(), 0);
    }
  });
});
