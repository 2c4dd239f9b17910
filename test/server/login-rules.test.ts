/**
 * The login rules on the reference server (memory store): `POST /command/validate-login` with the
 * server's own `users:create` permission, the `RBAC_LOGIN_*` settings, and the seed file's logins
 * checked with `service.validateLogin` before anything is created.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createServer } from '../../examples/server/server.ts';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, BASE_ENV, ROOT, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const json = { 'Content-Type': 'application/json' };
const HELPDESK_PASSWORD = 'Desk-Lamp-Coffee-9%';
const CREATOR_PASSWORD = 'Maker-Blue-Kettle-4%';

function seedFile(users: readonly object[]): string {
  const file = path.join(tempDir('login-seed'), 'seed.json');
  writeFileSync(file, JSON.stringify({ users }));
  return file;
}

async function signIn(base: string, login: string, password: string): Promise<string> {
  return (await request(base).post('/auth/token').set(json).send({ login, password }).expect(200)).body.token as string;
}

describe('POST /command/validate-login on the reference server', () => {
  let running: RunningServer;
  const tokens: Record<string, string> = {};
  before(async () => {
    running = await startServer({
      RBAC_STORE: 'memory',
      RBAC_SEED: seedFile([
        { login: 'alice', password: ALICE_PASSWORD },
        { login: 'helpdesk', password: HELPDESK_PASSWORD, permissions: ['users:reset_password:*'] },
        { login: 'creator', password: CREATOR_PASSWORD, permissions: ['users:create:*'] },
      ]),
    });
    tokens['admin'] = await signIn(running.base, 'admin', ADMIN_PASSWORD);
    tokens['helpdesk'] = await signIn(running.base, 'helpdesk', HELPDESK_PASSWORD);
    tokens['creator'] = await signIn(running.base, 'creator', CREATOR_PASSWORD);
  });
  after(async () => {
    await running?.close();
  });

  const validate = (who: string, login: string) =>
    request(running.base)
      .post('/command/validate-login')
      .set(json)
      .set('X-Authentication', tokens[who] ?? '')
      .send({ login });

  test('login-taken is told to superusers and holders of users:create, and to no one else', async () => {
    const taken = { valid: false, failures: [{ rule: 'login-taken', msg: 'Login is already taken.' }] };
    assert.deepEqual((await validate('admin', 'helpdesk').expect(200)).body, taken);
    assert.deepEqual((await validate('creator', 'helpdesk').expect(200)).body, taken);
    assert.deepEqual((await validate('helpdesk', 'creator').expect(200)).body, { valid: true, failures: [] });
    assert.deepEqual((await validate('admin', 'new-user').expect(200)).body, { valid: true, failures: [] });
  });

  test('the product minimum of 6, and the other rules', async () => {
    const res = await validate('helpdesk', 'ｂｏｂ').expect(200);
    assert.deepEqual(
      res.body.failures.map((f: { rule: string }) => f.rule),
      ['not-normalized', 'minimum-length'],
    );
    assert.equal((await request(running.base).post('/command/validate-login').set(json).send({ login: 'new-user' }).expect(401)).body.kind, 'puppetlabs.rbac/user-unauthenticated');
  });

  test('the OpenAPI document served by the server lists the route', async () => {
    const document = (await request(running.base).get('/openapi.json').expect(200)).body;
    assert.equal(document.paths['/command/validate-login'].post.operationId, 'validateLogin');
  });

  test('a short seed login is created with a warning naming the rule', () => {
    assert.ok(running.printed.some((line) => line.startsWith('warning: RBAC_SEED file') && line.includes('users[0].login (alice)') && line.includes('at least 6 characters')));
    assert.ok(running.printed.some((line) => line === 'seed: 3 users created (alice, helpdesk, creator)'));
  });
});

describe('login rule settings and seed logins', () => {
  test('RBAC_LOGIN_MINIMUM_LENGTH and RBAC_LOGIN_MAXIMUM_LENGTH set the policy, and are checked', async () => {
    const config = readEnvironment({ ...BASE_ENV, RBAC_STORE: 'memory', RBAC_LOGIN_MINIMUM_LENGTH: '3', RBAC_LOGIN_MAXIMUM_LENGTH: '8' }, ROOT);
    assert.equal(config.policy.loginMinimumLength, 3);
    assert.equal(config.policy.loginMaximumLength, 8);
    assert.deepEqual(config.warnings, []);
    const running = await startServer({ RBAC_STORE: 'memory', RBAC_LOGIN_MINIMUM_LENGTH: '3', RBAC_LOGIN_MAXIMUM_LENGTH: '8' });
    try {
      const admin = await signIn(running.base, 'admin', ADMIN_PASSWORD);
      const check = (login: string) => request(running.base).post('/command/validate-login').set(json).set('X-Authentication', admin).send({ login }).expect(200);
      assert.deepEqual((await check('bob')).body, { valid: true, failures: [] });
      assert.deepEqual((await check('too-long-login')).body.failures[0], { rule: 'maximum-length', msg: 'Login must be at most 8 characters long.', expected: 8, actual: 14 });
    } finally {
      await running.close();
    }
    assert.throws(
      () => readEnvironment({ ...BASE_ENV, RBAC_LOGIN_MINIMUM_LENGTH: 'six' }, ROOT),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /RBAC_LOGIN_MINIMUM_LENGTH must be an integer/);
        return true;
      },
    );
    assert.throws(
      () => readEnvironment({ ...BASE_ENV, RBAC_LOGIN_MINIMUM_LENGTH: '9', RBAC_LOGIN_MAXIMUM_LENGTH: '8' }, ROOT),
      /loginMinimumLength \(9\) is greater than loginMaximumLength \(8\)/,
    );
  });

  test('a seed login that could pass for another stops the start before anything is created', async () => {
    for (const [login, rule] of [
      ['ｍａｌｌｏｒｙ', 'plain Unicode form'],
      ['mallory ', 'begin or end with a space'],
      ['mal\u200Blory', 'invisible formatting characters'],
    ] as const) {
      const file = seedFile([
        { login: 'first-user', password: ALICE_PASSWORD },
        { login, password: ALICE_PASSWORD },
      ]);
      const printed: string[] = [];
      const config = readEnvironment({ ...BASE_ENV, RBAC_STORE: 'memory', RBAC_SEED: file }, ROOT);
      await assert.rejects(createServer(config, { print: (line) => printed.push(line) }), (error: Error) => {
        assert.equal(error.name, 'BootstrapError');
        assert.match(error.message, new RegExp(`field users\\[1\\]\\.login cannot be used:\\n  - Login must .*${rule}`));
        return true;
      });
      // Not even the admin was created: the check comes first.
      assert.deepEqual(printed, []);
    }
  });

  test('users:create is a global permission: only users:create:* is accepted in a seed file', async () => {
    const file = seedFile([{ login: 'creator', permissions: ['users:create:00000000-0000-4000-8000-000000000000'] }]);
    await assert.rejects(
      startServer({ RBAC_STORE: 'memory', RBAC_SEED: file }),
      /permissions\[0\] must be users:reset_password:<uuid\|\*>, users:disable:<uuid\|\*> or users:create:\*/,
    );
  });
});
