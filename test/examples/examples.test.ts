/**
 * Runs each example under examples/ (other than the reference server) and drives it over HTTP,
 * and checks that the README's marked code blocks are copies of the tested example files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { runConformance } from '../../lib/conformance/index.ts';
import { MemoryTokenStore } from '../../lib/index.ts';
import { LegacyUsersTable } from '../../examples/custom-user-store/legacy-table.ts';
import { LegacyUserStore } from '../../examples/custom-user-store/legacy-user-store.ts';
import { createApp as createCustomStoreApp } from '../../examples/custom-user-store/app.ts';
import { createApp as createLegacyHashesApp, DEMO_PASSWORD, legacyTable } from '../../examples/legacy-hashes/app.ts';
import { createApp as createRateLimitApp } from '../../examples/rate-limit/app.ts';
import { checkReadmeSnippets } from '../../scripts/check-readme-snippets.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = 'example-test-secret-of-at-least-32-bytes';

// The example keeps the default bcrypt cost (12), as a host would, so it runs once: on Express 4,
// in a child process with the resolve hook of `npm run test:express4`.
describe('examples/express4-host-sessions', () => {
  it('on Express 4: signs in with the host session, resets, and ends the other sessions', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--import', './test/helpers/use-express4.mjs', 'test/helpers/host-sessions-example.ts', '--run'],
      { cwd: root },
    );
    assert.match(stdout, /express: .*node_modules\/express4\//);
  });
});

describe('examples/custom-user-store', () => {
  it('issues and redeems a token over the host table, keeping its column conventions', async () => {
    const { app, passwords, table } = await createCustomStoreApp(new LegacyUsersTable(), secret);
    try {
      const alice = table.byUsername('alice');
      assert.ok(alice);
      const oldHash = alice.pw_hash;
      await request(app).post(`/rbac-api/v1/users/${alice.uuid}/password/reset`).set('Authorization', 'Demo alice').expect(403);
      const token = (await request(app).post(`/rbac-api/v1/users/${alice.uuid}/password/reset`).set('Authorization', 'Demo admin').expect(200)).text;
      await request(app).post('/rbac-api/v1/auth/reset').send({ token, password: 'Second-Pa55word-2026!' }).expect(200);
      assert.notEqual(alice.pw_hash, oldHash);
      assert.deepEqual(JSON.parse(alice.pw_history), [oldHash]);
      assert.equal((await passwords.service.verifyLogin('alice', 'Second-Pa55word-2026!')).ok, true);
      assert.match(alice.last_login ?? '', /^\d{4}-/);
      // The history column is honoured: the old password is refused as reused.
      const reuse = await request(app)
        .put('/rbac-api/v1/users/current/password')
        .set('Authorization', 'Demo alice')
        .send({ current_password: 'Second-Pa55word-2026!', password: 'First-Pa55word-2026' })
        .expect(400);
      assert.equal(reuse.body.details.failures[0].rule, 'password-reused');
    } finally {
      await passwords.close();
    }
  });

  describe('LegacyUserStore passes the conformance suite, two instances on one table', () => {
    runConformance(test, {
      createStores: async () => {
        const table = new LegacyUsersTable();
        const tokenStore = new MemoryTokenStore({ sweepIntervalMs: 0 });
        let n = 0;
        return {
          userStore: new LegacyUserStore(table),
          tokenStore,
          table,
          clearRevokedFlag: (userId: string) => {
            const row = table.rows.get(userId) ?? assert.fail(`no row ${userId}`);
            row.disabled = 0;
          },
          createUser: async (input) => {
            const row = table.insert({
              uuid: crypto.randomUUID(),
              username: input.login,
              pw_hash: input.passwordHash,
              auth_source: input.isRemote === true ? 'ldap' : 'local',
              disabled: input.isRevoked === true ? 1 : 0,
            });
            n += 1;
            return new LegacyUserStore(table).findById(row.uuid) ?? assert.fail(`user ${n} not created`);
          },
          cleanup: () => tokenStore.close(),
        };
      },
      // A second store instance over the same table, as a second app server would have. The
      // example keeps tokens in a MemoryTokenStore, which cannot be shared, so both pairs use it.
      createSecondPair: async (first) => ({ userStore: new LegacyUserStore(first.table), tokenStore: first.tokenStore }),
    });
  });
});

describe('examples/legacy-hashes', () => {
  it('users with mixed legacy hashes sign in unchanged and are upgraded to bcrypt', async () => {
    const { app, passwords, users, events } = createLegacyHashesApp(legacyTable(), { tokenKey: secret, bcryptCost: 4 });
    try {
      for (const login of ['django-dan', 'scrypt-sue', 'product-pat']) {
        await request(app).post('/login').send({ login, password: 'Wrong-Pa55word!' }).expect(401);
        await request(app).post('/login').send({ login, password: DEMO_PASSWORD }).expect(200);
      }
      await passwords.service.hashUpgradesSettled();
      for (const user of users.listUsers()) assert.match(user.passwordHash ?? '', /^\$2b\$04\$/, `${user.login} was not upgraded`);
      assert.deepEqual(
        events.filter((e) => e.type === 'password-rehashed').map((e) => e.details?.['from']),
        ['django-pbkdf2-sha256', 'scrypt', 'pe-sha256'],
      );
      await request(app).post('/login').send({ login: 'product-pat', password: DEMO_PASSWORD }).expect(200);
    } finally {
      await passwords.close();
    }
  });
});

describe('examples/rate-limit', () => {
  it('limits /auth/reset per client and answers in the error format; other routes are not limited', async () => {
    const { app, passwords } = createRateLimitApp({ tokenKey: secret }, 3);
    try {
      for (let i = 0; i < 3; i++) await request(app).post('/rbac-api/v1/auth/reset').send({ token: 'forged', password: 'Whatever-Pa55word!' }).expect(403);
      const limited = await request(app).post('/rbac-api/v1/auth/reset').send({ token: 'forged', password: 'Whatever-Pa55word!' }).expect(429);
      assert.equal(limited.body.kind, 'puppetlabs.rbac/too-many-requests');
      assert.ok(limited.headers['ratelimit-policy'] !== undefined || limited.headers['ratelimit'] !== undefined);
      await request(app).post('/rbac-api/v1/command/validate-password').send({ password: 'x', reset_token: 'forged' }).expect(429);
      await request(app).post('/rbac-api/v1/users/6f1c2d1e-7f3a-4b5c-9d8e-0a1b2c3d4e5f/password/reset').expect(401);
    } finally {
      await passwords.close();
    }
  });
});

describe('README', () => {
  it('marked code blocks are copies of the tested example files', () => {
    const checks = checkReadmeSnippets();
    assert.ok(checks.length >= 1, 'the README marks at least one snippet');
    for (const check of checks) assert.equal(check.actual, check.expected, `README block ${check.marker}`);
  });
});

describe('the reference server', () => {
  // Every module specifier of a source file: static imports and exports, and dynamic imports.
  const specifiers = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map((match) => match[1] as string);
  const sources = (dir: string) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => /\.(ts|js|mjs)$/.test(name))
      .map((name) => join(root, dir, name));

  it('uses the library only through its public exports, by the package name, as a host app would', () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const publicNames = Object.keys(exports).map((key) => `express-rbac-password${key.slice(1)}`);
    const wrong: string[] = [];
    for (const file of sources('examples/server')) {
      for (const specifier of specifiers(file)) {
        const intoLib = specifier.startsWith('.') && relative(join(root, 'lib'), resolve(dirname(file), specifier)).split(/[\\/]/)[0] !== '..';
        const privatePath = specifier.startsWith('express-rbac-password') && !specifier.startsWith('express-rbac-password-') && !publicNames.includes(specifier);
        if (intoLib || privatePath) wrong.push(`${relative(root, file)}: ${specifier}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('is not imported by the library', () => {
    const wrong = sources('lib').flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.includes('examples/'))
        .map((specifier) => `${relative(root, file)}: ${specifier}`),
    );
    assert.deepEqual(wrong, []);
  });
});
