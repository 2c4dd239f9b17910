/**
 * Adopting existing users, through HTTP, on the memory store, PGlite and a real PostgreSQL
 * server: users seeded with every legacy format sign in unchanged, their hash becomes primary
 * bcrypt at the configured cost, wrong passwords still fail and count, history compares against
 * legacy hashes, and a change racing a sign-in's upgrade always wins.
 */
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { format } from 'node:util';
import createDebug from 'debug';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import express from 'express';
import request from 'supertest';
import {
  MemoryTokenStore,
  MemoryUserStore,
  createBcryptHasher,
  createPasswordRouter,
  type PasswordEvent,
  type PasswordUser,
  type Principal,
  type TokenStore,
  type UserStore,
} from '../../lib/index.ts';
import { closePglite, openServerRun, SERVER_SKIP, sharedPglite, storesInFreshSchema, storesWithFreshPrefix, type ServerRun } from '../helpers/postgres-fixtures.ts';
import { iteratedSha256, iteratedSha256Hash } from '../helpers/iterated-sha256.ts';

after(closePglite);

const OLD = 'Legacy-Pa55word-Old!';
const NEW = 'Brand-New-Pa55word-42';
const WRONG = 'Not-The-Pa55word-99';

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** A hash of `password` in each legacy format, made the way the old systems made them. */
function legacyHashes(password: string): Record<string, string> {
  const salt = randomBytes(16);
  return {
    bcrypt: bcrypt.hashSync(password, 5).replace(/^\$2b\$/, '$2a$'),
    'pbkdf2-sha256': `$pbkdf2-sha256$i=1000$${b64(salt)}$${b64(pbkdf2Sync(password, salt, 1000, 32, 'sha256'))}`,
    'pbkdf2-sha512': `$pbkdf2-sha512$1000$${b64(salt).replace(/\+/g, '.')}$${b64(pbkdf2Sync(password, salt, 1000, 64, 'sha512')).replace(/\+/g, '.')}`,
    'django-pbkdf2-sha256': `pbkdf2_sha256$1000$seasalt${salt.toString('hex').slice(0, 6)}$${pbkdf2Sync(password, `seasalt${salt.toString('hex').slice(0, 6)}`, 1000, 32, 'sha256').toString('base64')}`,
    scrypt: `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }))}`,
    argon2id: argon2Hash(password, { algorithm: 2, memoryCost: 1024, timeCost: 2, parallelism: 1 }),
    // A host format through verifier(...), as the README shows it.
    'sha256-iter': iteratedSha256Hash(password, salt, 1000),
  };
}

interface Stores {
  readonly userStore: UserStore & { getPasswordHistory(id: string, limit: number): Promise<readonly string[]> | readonly string[] };
  readonly tokenStore: TokenStore;
  createUser(login: string, passwordHash: string): Promise<PasswordUser>;
  cleanup(): Promise<void>;
}

/** A host: the router, plus its own sign-in route on `verifyLogin`. One option adopts the legacy users. */
function hostOn(stores: Stores, extra: Record<string, unknown> = {}) {
  const events: PasswordEvent[] = [];
  const router = createPasswordRouter<Principal>({
    userStore: stores.userStore,
    tokenStore: stores.tokenStore,
    authorizer: { authenticate: (req) => (req.get('x-user') ? { userId: req.get('x-user') as string } : null), canResetPassword: () => false },
    tokenKey: 'legacy-upgrade-test-secret-0123456789abcdef',
    bcryptCost: 4,
    failedAttemptsLockout: 5,
    legacyHashes: ['pbkdf2', 'scrypt', 'argon2id', iteratedSha256],
    onEvent: (event) => void events.push(event),
    ...extra,
  });
  const app = express();
  app.post('/login', express.json(), async (req, res) => {
    const result = await router.service.verifyLogin(req.body.login, req.body.password);
    res.status(result.ok ? 200 : 401).json(result.ok ? { id: result.user.id } : { reason: result.reason });
  });
  app.use('/rbac-api/v1', router);
  return { app, router, events };
}

type StoreFactory = () => Promise<Stores>;

function memoryStores(): Promise<Stores> {
  const userStore = new MemoryUserStore();
  const tokenStore = new MemoryTokenStore({ sweepIntervalMs: 0 });
  return Promise.resolve({
    userStore,
    tokenStore,
    createUser: async (login, passwordHash) => userStore.createUser({ login, passwordHash }),
    cleanup: async () => tokenStore.close(),
  });
}

function postgresStores(make: () => ReturnType<typeof storesInFreshSchema>): StoreFactory {
  return async () => {
    const fixture = await make();
    const { userStore, tokenStore } = fixture.stores;
    return { userStore, tokenStore, createUser: (login, passwordHash) => userStore.createUser({ login, passwordHash }), cleanup: fixture.cleanup };
  };
}

function adoptionCases(createStores: StoreFactory, raceRounds: number): void {
  it('users seeded in every legacy format sign in unchanged, and are upgraded to primary bcrypt', async () => {
    const stores = await createStores();
    const { app, router, events } = hostOn(stores);
    try {
      for (const [scheme, hash] of Object.entries(legacyHashes(OLD))) {
        const login = `user-${scheme}`;
        const user = await stores.createUser(login, hash);
        await request(app).post('/login').send({ login, password: WRONG }).expect(401);
        assert.equal((await stores.userStore.findById(user.id))?.passwordHash, hash, `${scheme}: a failed sign-in rewrote the hash`);
        assert.equal((await stores.userStore.findById(user.id))?.failedAttempts, 1, `${scheme}: the wrong password did not count`);

        await request(app).post('/login').send({ login, password: OLD }).expect(200);
        await router.service.hashUpgradesSettled();
        const stored = (await stores.userStore.findById(user.id))?.passwordHash ?? '';
        assert.match(stored, /^\$2b\$04\$/, `${scheme}: not upgraded`);
        assert.equal(await bcrypt.compare(OLD, stored), true);
        assert.deepEqual(
          events.filter((e) => e.type === 'password-rehashed' && e.userId === user.id).map((e) => e.details),
          [{ from: scheme, to: 'bcrypt', via: 'login' }],
        );
        assert.ok(!JSON.stringify(events).includes(hash) && !JSON.stringify(events).includes(stored), 'an event carried a hash');
        assert.deepEqual([...(await stores.userStore.getPasswordHistory(user.id, 5))], [], `${scheme}: the upgrade added a history entry`);

        await request(app).post('/login').send({ login, password: OLD }).expect(200);
        await request(app).post('/login').send({ login, password: WRONG }).expect(401);
        assert.equal((await stores.userStore.findById(user.id))?.failedAttempts, 1, `${scheme}: a wrong password after the upgrade did not count`);
      }
      await router.service.hashUpgradesSettled();
      assert.equal(events.filter((e) => e.type === 'password-rehashed').length, 7, 'a primary hash was upgraded again');
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it('a change with the right current password replaces the legacy hash, and the history compares against it', async () => {
    const stores = await createStores();
    const { app, router } = hostOn(stores);
    try {
      const user = await stores.createUser('changer', legacyHashes(OLD)['pbkdf2-sha256'] as string);
      await request(app).put('/rbac-api/v1/users/current/password').set('X-User', user.id).send({ current_password: OLD, password: NEW }).expect(200);
      assert.match((await stores.userStore.findById(user.id))?.passwordHash ?? '', /^\$2b\$04\$/);
      const history = await stores.userStore.getPasswordHistory(user.id, 5);
      assert.match(history[0] ?? '', /^\$pbkdf2-sha256\$/, 'the legacy hash went to the history');
      const reuse = await request(app).put('/rbac-api/v1/users/current/password').set('X-User', user.id).send({ current_password: NEW, password: OLD }).expect(400);
      assert.equal(reuse.body.details.failures[0].rule, 'password-reused', 'the legacy hash in the history was not compared');
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it('a change refused by the policy still upgrades the current legacy hash', async () => {
    const stores = await createStores();
    const { app, router, events } = hostOn(stores);
    try {
      const user = await stores.createUser('refused', legacyHashes(OLD).scrypt as string);
      await request(app).put('/rbac-api/v1/users/current/password').set('X-User', user.id).send({ current_password: OLD, password: OLD }).expect(400);
      await router.service.hashUpgradesSettled();
      assert.match((await stores.userStore.findById(user.id))?.passwordHash ?? '', /^\$2b\$04\$/);
      assert.equal(events.find((e) => e.type === 'password-rehashed')?.details?.['via'], 'change');
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it(`a sign-in's upgrade racing a password change: the change always wins (${raceRounds} rounds)`, async () => {
    const stores = await createStores();
    const { app, router } = hostOn(stores, { failedAttemptsLockout: 0 });
    try {
      let signedIn = 0;
      for (let round = 0; round < raceRounds; round++) {
        const user = await stores.createUser(`racer-${round}`, legacyHashes(OLD)['pbkdf2-sha256'] as string);
        const [login, change] = await Promise.all([
          request(app)
            .post('/login')
            .send({ login: `racer-${round}`, password: OLD }),
          request(app).put('/rbac-api/v1/users/current/password').set('X-User', user.id).send({ current_password: OLD, password: NEW }),
        ]);
        await router.service.hashUpgradesSettled();
        // A sign-in that reads the hash after the change committed rightly fails with the old
        // password; either order is fine, as long as the change's password is the one kept.
        assert.ok(login.status === 200 || login.status === 401, `round ${round}: the sign-in answered ${login.status}`);
        if (login.status === 200) signedIn++;
        assert.equal(change.status, 200, `round ${round}: the change answered ${change.status}`);
        const stored = (await stores.userStore.findById(user.id))?.passwordHash ?? '';
        assert.equal(await bcrypt.compare(NEW, stored), true, `round ${round}: the upgrade overwrote the change`);
      }
      assert.ok(signedIn > 0, 'no sign-in won its race, so no upgrade raced a change');
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });
}

describe('legacy hashes on the memory store', () => {
  adoptionCases(memoryStores, 50);

  it('unrecognized and over-cap hashes never match, cost no work of their own, and are logged once without the hash', async () => {
    const stores = await memoryStores();
    const { app, router } = hostOn(stores);
    try {
      const md5 = await stores.createUser('md5-user', 'md5$5f4dcc3b5aa765d61d8327deb882cf99');
      const absurd = await stores.createUser('absurd', '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
      const scrypt = await stores.createUser('huge-scrypt', '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA');
      for (const login of ['md5-user', 'absurd', 'huge-scrypt']) {
        await request(app).post('/login').send({ login, password: 'password' }).expect(401);
      }
      for (const user of [md5, absurd, scrypt]) assert.equal((await stores.userStore.findById(user.id))?.failedAttempts, 1);
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it("the bcrypt cost cap also guards a host's own hasher: an over-cap hash never reaches it", async () => {
    const stores = await memoryStores();
    const inner = createBcryptHasher({ cost: 4 });
    const seen: string[] = [];
    // A wrapper, as hosts write them: it says nothing of what it recognizes.
    const hasher = {
      hash: (password: string) => inner.hash(password),
      verify: (password: string, hash: string) => {
        seen.push(hash);
        return inner.verify(password, hash);
      },
    };
    const { app, router } = hostOn(stores, { hasher, bcryptCost: undefined });
    try {
      const absurd = '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
      await stores.createUser('absurd-custom', absurd);
      await request(app).post('/login').send({ login: 'absurd-custom', password: 'U*U' }).expect(401);
      assert.ok(!seen.includes(absurd), 'the over-cap hash reached the hasher');
      assert.equal(seen.length, 1, 'one dummy compare, as for a wrong password');
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it('the log says once per user that a stored hash cannot be verified, and never shows the hash', async () => {
    const stores = await memoryStores();
    const { app, router } = hostOn(stores);
    const lines: string[] = [];
    const previous = { log: createDebug.log, namespaces: createDebug.disable() };
    createDebug.enable('express-rbac-password:*');
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    try {
      const hash = 'md5$5f4dcc3b5aa765d61d8327deb882cf99';
      const user = await stores.createUser('md5-twice', hash);
      for (let i = 0; i < 3; i++) await request(app).post('/login').send({ login: 'md5-twice', password: 'password' }).expect(401);
      const refused = lines.filter((line) => line.includes(user.id) && line.includes('cannot be verified'));
      assert.equal(refused.length, 1, `logged ${refused.length} times`);
      assert.match(refused[0] ?? '', /no configured verifier recognizes the hash format/);
      assert.ok(!lines.some((line) => line.includes('5f4dcc3b5aa765d6')), 'a log line showed the hash');
    } finally {
      createDebug.log = previous.log;
      createDebug.enable(previous.namespaces);
      await router.close();
      await stores.cleanup();
    }
  });

  it('the answer does not wait for the upgrade, and a failing upgrade never fails the sign-in', async () => {
    const stores = await memoryStores();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const memory = stores.userStore as MemoryUserStore;
    // The memory store, except that an upgrade's write waits for the gate and then fails.
    const userStore = {
      findById: (id: string) => memory.findById(id),
      findByLogin: (login: string) => memory.findByLogin(login),
      getPasswordHistory: (id: string, limit: number) => memory.getPasswordHistory(id, limit),
      recordFailedAttempt: (id: string, input: Parameters<MemoryUserStore['recordFailedAttempt']>[1]) => memory.recordFailedAttempt(id, input),
      clearFailedAttempts: (id: string) => memory.clearFailedAttempts(id),
      recordLogin: (id: string, at: Date) => memory.recordLogin(id, at),
      setPassword: async (id: string, write: Parameters<UserStore['setPassword']>[1]) => {
        if (write.rehash !== true) return memory.setPassword(id, write);
        await gate;
        throw new Error('database went away');
      },
    };
    const { app, router, events } = hostOn({ ...stores, userStore });
    try {
      const user = await stores.createUser('slow-store', legacyHashes(OLD).argon2id as string);
      await request(app).post('/login').send({ login: 'slow-store', password: OLD }).expect(200);
      assert.equal(events.filter((e) => e.type.startsWith('password-rehash')).length, 0, 'the answer waited for the upgrade');
      release();
      await router.service.hashUpgradesSettled();
      assert.deepEqual(events.find((e) => e.type === 'password-rehash-failed')?.details, { from: 'argon2id', to: 'bcrypt', via: 'login', reason: 'error' });
      assert.match((await stores.userStore.findById(user.id))?.passwordHash ?? '', /^\$argon2id\$/, 'the old hash stays');
      await request(app).post('/login').send({ login: 'slow-store', password: OLD }).expect(200);
    } finally {
      release();
      await router.close();
      await stores.cleanup();
    }
  });

  it('upgradeHashes: false verifies legacy hashes and leaves them as they are', async () => {
    const stores = await memoryStores();
    const { app, router, events } = hostOn(stores, { upgradeHashes: false });
    try {
      const hash = legacyHashes(OLD).scrypt as string;
      const user = await stores.createUser('read-only', hash);
      await request(app).post('/login').send({ login: 'read-only', password: OLD }).expect(200);
      await router.service.hashUpgradesSettled();
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, hash);
      assert.equal(events.filter((e) => e.type.startsWith('password-rehash')).length, 0);
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it("set-password (the CLI's path) writes a primary hash and refuses the legacy password as reused", async () => {
    const stores = await memoryStores();
    const { router } = hostOn(stores);
    try {
      const user = await stores.createUser('admin-set', legacyHashes(OLD)['django-pbkdf2-sha256'] as string);
      await assert.rejects(router.service.setPassword(user.id, OLD), { kind: 'password-policy-violation' });
      await router.service.setPassword(user.id, NEW);
      assert.match((await stores.userStore.findById(user.id))?.passwordHash ?? '', /^\$2b\$04\$/);
    } finally {
      await router.close();
      await stores.cleanup();
    }
  });

  it('refuses bad legacyHashes and maxBcryptCost options with a fix', () => {
    const base = {
      userStore: new MemoryUserStore(),
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { authenticate: () => null, canResetPassword: () => false },
    };
    const make = (extra: Record<string, unknown>) => () => createPasswordRouter({ ...base, tokenKey: 'legacy-upgrade-test-secret-0123456789abcdef', bcryptCost: 4, ...extra });
    assert.throws(make({ legacyHashes: ['md5'] }), /legacyHashes has an unknown scheme "md5"; the built-in ones are bcrypt, pbkdf2, scrypt, argon2id/);
    assert.throws(make({ legacyHashes: 'pbkdf2' }), /legacyHashes must be an array/);
    assert.throws(make({ legacyHashes: ['pbkdf2', 'pbkdf2'] }), /lists pbkdf2 twice/);
    assert.throws(make({ maxBcryptCost: 3 }), /maxBcryptCost must be an integer from 4 to 31/);
    assert.throws(make({ upgradeHashes: 'yes' }), /upgradeHashes must be true or false/);
  });
});

describe('legacy hashes on PostgreSQL (PGlite)', () => {
  adoptionCases(
    postgresStores(async () => storesInFreshSchema(await sharedPglite())),
    10,
  );
});

describe('legacy hashes on the real PostgreSQL server (DATABASE_URL)', { skip: SERVER_SKIP }, () => {
  let run: ServerRun | undefined;
  before(async () => {
    run = await openServerRun();
  });
  after(async () => {
    await run?.end();
  });
  adoptionCases(
    postgresStores(async () => {
      if (run === undefined) throw new Error('server run not open');
      return storesWithFreshPrefix(run.pool, run.schema);
    }),
    50,
  );
});
