/**
 * argon2id for new passwords (`createArgon2idHasher`), through HTTP and the public API: new
 * hashes are argon2id at the chosen parameters, bcrypt hashes keep verifying and become argon2id
 * after a sign-in (a wrong password changes nothing), argon2id hashes keep verifying after the
 * host goes back to bcrypt, the jobs run in the pool under its bounds and time limit, and bad
 * options are refused. Tests use m=64 KiB, t=1, except where the defaults themselves are checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import express from 'express';
import request from 'supertest';
import {
  createArgon2idHasher,
  createBcryptHasher,
  createErrorHandler,
  DEFAULTS,
  HasherKeyBusyError,
  HasherTimeoutError,
  PasswordOptionsError,
  type Argon2idHasher,
  type PasswordEvent,
} from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';
const WRONG = 'Not-The-Pa55word-99';
const LOW_COST = { memoryCost: 64, timeCost: 1, parallelism: 1 } as const;
const LOW_COST_PREFIX = /^\$argon2id\$v=19\$m=64,t=1,p=1\$/;

const pools: Argon2idHasher[] = [];
after(() => Promise.all(pools.map((pool) => pool.close())));

function argon2(options: Parameters<typeof createArgon2idHasher>[0] = {}): Argon2idHasher {
  const pool = createArgon2idHasher({ ...LOW_COST, size: 1, ...options });
  pools.push(pool);
  return pool;
}

/** A test app with the host's own sign-in route on `verifyLogin`. The seeded users have bcrypt (cost 4) hashes. */
async function host(overrides: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp & { events: PasswordEvent[] }> {
  const events: PasswordEvent[] = [];
  const t = await createTestApp({ onEvent: (event) => void events.push(event), ...overrides });
  t.app.post('/login', express.json(), (req, res, next) => {
    t.router.service.verifyLogin(req.body.login, req.body.password, t.router.callContext(req)).then((result) => {
      res.status(result.ok ? 200 : 401).json(result.ok ? { id: result.user.id } : { reason: result.reason });
    }, next);
  });
  t.app.use(createErrorHandler());
  return Object.assign(t, { events });
}

const storedHash = (t: TestApp, id: string) => t.users.findById(id)?.passwordHash ?? '';

describe('argon2id for new passwords, through HTTP', () => {
  it('a changed password is stored as argon2id at the chosen parameters, and signs in', async () => {
    const t = await host({ hasher: argon2() });
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.match(storedHash(t, t.alice.id), LOW_COST_PREFIX);
    await request(t.app).post('/login').send({ login: 'alice', password: OTHER_GOOD_PASSWORD }).expect(200);
    await request(t.app).post('/login').send({ login: 'alice', password: GOOD_PASSWORD }).expect(401);
    await t.router.service.hashUpgradesSettled();
    assert.equal(t.events.filter((e) => e.type === 'password-rehashed').length, 0, 'a hash at the chosen parameters was upgraded again');
  });

  it('a reset by token and an administrator set-password write argon2id too', async () => {
    const t = await host({ hasher: argon2() });
    const issued = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    await request(t.app).post(`${base}/auth/reset`).send({ token: issued.text, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.match(storedHash(t, t.alice.id), LOW_COST_PREFIX);
    await t.router.service.setPasswordAsAdmin(t.admin.id, OTHER_GOOD_PASSWORD);
    assert.match(storedHash(t, t.admin.id), LOW_COST_PREFIX);
  });

  it('a bcrypt hash signs in and becomes argon2id; a wrong password first changes nothing', async () => {
    const pool = argon2();
    const t = await host({ hasher: pool });
    const before = storedHash(t, t.alice.id);
    assert.match(before, /^\$2[aby]\$04\$/);

    await request(t.app).post('/login').send({ login: 'alice', password: WRONG }).expect(401);
    await t.router.service.hashUpgradesSettled();
    assert.equal(storedHash(t, t.alice.id), before, 'a wrong password rewrote the hash');
    assert.equal(t.events.filter((e) => e.type.startsWith('password-rehash')).length, 0);

    const jobsBefore = pool.stats.completed;
    await request(t.app).post('/login').send({ login: 'alice', password: GOOD_PASSWORD }).expect(200);
    await t.router.service.hashUpgradesSettled();
    assert.match(storedHash(t, t.alice.id), LOW_COST_PREFIX);
    assert.deepEqual(
      t.events.filter((e) => e.type === 'password-rehashed').map((e) => e.details),
      [{ from: 'bcrypt', to: 'argon2id', via: 'login' }],
    );
    // The bcrypt compare and the new argon2id hash both ran in the argon2id hasher's own pool.
    assert.equal(pool.stats.completed - jobsBefore, 2);
    await request(t.app).post('/login').send({ login: 'alice', password: GOOD_PASSWORD }).expect(200);
  });

  it('a stored argon2id hash at other parameters is replaced on sign-in', async () => {
    const t = await host({ hasher: argon2() });
    const older = await argon2({ memoryCost: 128 }).hash(GOOD_PASSWORD);
    t.users.createUser({ login: 'older-params', passwordHash: older });
    await request(t.app).post('/login').send({ login: 'older-params', password: GOOD_PASSWORD }).expect(200);
    await t.router.service.hashUpgradesSettled();
    assert.match(t.users.findByLogin('older-params')?.passwordHash ?? '', LOW_COST_PREFIX);
  });

  it('under argon2id, a password longer than 72 bytes is allowed, and never matches a bcrypt hash on its first 72', async () => {
    const t = await host({ hasher: argon2(), policy: { passwordMaximumLength: 128 } });
    const long = `${'Long-Pa55word-'.repeat(6)}ab`.slice(0, 72);
    t.users.createUser({ login: 'long', passwordHash: bcrypt.hashSync(long, 4) });
    await request(t.app)
      .post('/login')
      .send({ login: 'long', password: `${long}-and-more` })
      .expect(401);
    await request(t.app).post('/login').send({ login: 'long', password: long }).expect(200);
    const longer = `${OTHER_GOOD_PASSWORD}-${'x'.repeat(80)}`;
    await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: longer }).expect(200);
    await request(t.app).post('/login').send({ login: 'alice', password: longer }).expect(200);
    await request(t.app)
      .post('/login')
      .send({ login: 'alice', password: longer.slice(0, 72) })
      .expect(401);
  });

  it('after going back to bcrypt, argon2id hashes still sign in and become bcrypt', async () => {
    const t = await host();
    const written = await argon2().hash(GOOD_PASSWORD);
    const user = t.users.createUser({ login: 'was-argon2', passwordHash: written });
    await request(t.app).post('/login').send({ login: 'was-argon2', password: WRONG }).expect(401);
    assert.equal(storedHash(t, user.id), written);
    await request(t.app).post('/login').send({ login: 'was-argon2', password: GOOD_PASSWORD }).expect(200);
    await t.router.service.hashUpgradesSettled();
    assert.match(storedHash(t, user.id), /^\$2b\$04\$/);
    assert.deepEqual(t.events.find((e) => e.type === 'password-rehashed')?.details, { from: 'argon2id', to: 'bcrypt', via: 'login' });
  });
});

describe('createArgon2idHasher', () => {
  it("defaults to OWASP's m=19456 KiB, t=2, p=1", async () => {
    const pool = createArgon2idHasher({ size: 1 });
    pools.push(pool);
    assert.deepEqual(pool.params, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    assert.deepEqual([DEFAULTS.argon2MemoryCost, DEFAULTS.argon2TimeCost, DEFAULTS.argon2Parallelism], [19_456, 2, 1]);
    const hash = await pool.hash(GOOD_PASSWORD);
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await pool.verify(GOOD_PASSWORD, hash), true);
    assert.equal(await pool.verify(WRONG, hash), false);
    assert.equal(pool.needsRehash(hash), false);
    assert.equal(pool.needsRehash(await createBcryptHasher({ cost: 4 }).hash(GOOD_PASSWORD)), true);
  });

  it('refuses a malformed or over-cap stored hash as a mismatch, without work', async () => {
    const pool = argon2();
    const done = pool.stats.completed;
    assert.equal(await pool.verify('password', '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'), false);
    assert.equal(await pool.verify('password', '$argon2id$v=19$m=65536$c29tZXNhbHQ$aGFzaA'), false);
    assert.equal(pool.stats.completed, done);
  });

  it("keeps to the pool's per-client bound and its job time limit", async () => {
    const pool = argon2({ maxQueuePerKey: 0 });
    const first = pool.hash(GOOD_PASSWORD, { fairnessKey: 'client-a' });
    await assert.rejects(pool.hash(GOOD_PASSWORD, { fairnessKey: 'client-a' }), HasherKeyBusyError);
    await first;
    const slow = argon2({ memoryCost: 65_536, timeCost: 20, jobTimeoutMs: 1 });
    await assert.rejects(slow.hash(GOOD_PASSWORD), HasherTimeoutError);
    assert.equal(slow.stats.timedOut, 1);
  });

  it('refuses bad options, each with a problem code', () => {
    const problemsOf = (options: unknown) => {
      try {
        createArgon2idHasher(options as Parameters<typeof createArgon2idHasher>[0]);
      } catch (error) {
        assert.ok(error instanceof PasswordOptionsError);
        return error.problems.map((p) => `${p.option}:${p.code}`);
      }
      assert.fail('accepted');
    };
    assert.deepEqual(problemsOf({ memoryCost: 4 }), ['memoryCost:out-of-range']);
    assert.deepEqual(problemsOf({ timeCost: '2' }), ['timeCost:wrong-type']);
    assert.deepEqual(problemsOf({ parallelism: 1.5, size: 0 }), ['parallelism:out-of-range', 'size:out-of-range']);
    assert.deepEqual(problemsOf({ memoryCost: 16, parallelism: 4 }), ['memoryCost:conflict']);
    assert.deepEqual(problemsOf({ memory: 64 }), ['memory:unknown-option']);
    assert.deepEqual(problemsOf({ jobTimeoutMs: -1, maxQueue: 'x' }), ['maxQueue:wrong-type', 'jobTimeoutMs:out-of-range']);
  });

  it('says what to install when @node-rs/argon2 is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-argon2-'));
    try {
      assert.throws(
        () => createArgon2idHasher({ resolveFrom: join(empty, 'x.js') }),
        (error: unknown) =>
          error instanceof PasswordOptionsError &&
          error.problems[0]?.code === 'missing-method' &&
          /needs the optional package @node-rs\/argon2; install it with `npm install @node-rs\/argon2`/.test(error.message),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
