/**
 * The over-share 429 of a flood is decided before any other work (issue 25.5a): a client whose
 * fairness key already has its bound of jobs waiting is refused before the user lookup, the same
 * way for a known and an unknown login, with nothing read or written; and the error handler's
 * preformatted 429 is byte for byte what the general path writes.
 *
 * The pool's one worker never answers, so the queue stays exactly as the test filled it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createErrorHandler, HasherKeyBusyError, PasswordApiError, type WorkerPoolHasher } from '../../lib/index.ts';
import { createPool } from '../../lib/hashing/worker-pool-hasher.ts';
import { createTestApp, GOOD_PASSWORD, snapshot, type TestApp } from '../helpers/app.ts';

/** A worker that takes every job and never answers. */
const HANGING_WORKER = "const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); parentPort.postMessage({ ready: true });";
const A_BCRYPT_HASH = '$2b$04$abcdefghijklmnopqrstuu5sF2zQ5cK3y1m9mM8o0fX1dYb8nQ6m2';
const FLOODER = 'flooder';

/** One worker that never answers; each key may have 2 jobs waiting. */
function hangingPool(): WorkerPoolHasher {
  return createPool({ size: 1, maxQueue: 8, maxQueuePerKey: 2, jobTimeoutMs: 600_000 }, HANGING_WORKER, {});
}

/** One job runs (forever) and `key` has its 2 waiting: its next job is over its share. */
function fillShare(pool: WorkerPoolHasher, key: string): Promise<unknown>[] {
  return [1, 2, 3].map(() => pool.verify('x', A_BCRYPT_HASH, { fairnessKey: key }).catch(() => undefined));
}

/** Every user-store call from here on is pushed to `calls` by method name (the service reads the methods at call time). */
function recordStoreCalls(t: TestApp, calls: string[]): void {
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(t.users))) {
    const method = (t.users as unknown as Record<string, unknown>)[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    Object.defineProperty(t.users, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        calls.push(name);
        return (method as (...a: unknown[]) => unknown).apply(t.users, args);
      },
    });
  }
}

describe('a flooding client’s over-share requests are refused before any other work', () => {
  let t: TestApp;
  let pool: WorkerPoolHasher;
  let queued: Promise<unknown>[];
  /** Calls the user store received, by method name. */
  const storeCalls: string[] = [];

  before(async () => {
    pool = hangingPool();
    t = await createTestApp({ hasher: pool, hashFairnessKey: (req) => req.get('x-client') });
    recordStoreCalls(t, storeCalls);
    t.app.post('/login', express.json(), (req, res, next) => {
      const { login, password } = req.body as { login: string; password: string };
      t.router.service.verifyLogin(login, password, t.router.callContext(req)).then((result) => {
        res.status(result.ok ? 200 : 401).json({ ok: result.ok });
      }, next);
    });
    t.app.use(createErrorHandler());
    // The flooder has its share waiting.
    queued = fillShare(pool, FLOODER);
    assert.deepEqual({ active: pool.stats.active, queued: pool.stats.queued }, { active: 1, queued: 2 });
  });

  after(async () => {
    await pool.close();
    await Promise.all(queued);
  });

  it('verifyLogin answers 429 without calling the user store, identically for a known and an unknown login, and changes nothing', async () => {
    const before = snapshot(t);
    const refusedBefore = pool.stats.rejectedKeyBusy;
    storeCalls.length = 0;
    const signIn = (login: string, password: string) => request(t.app).post('/login').set('x-client', FLOODER).send({ login, password });
    const answers = [
      await signIn('alice', GOOD_PASSWORD),
      await signIn('alice', 'a wrong password'),
      await signIn('nobody-has-this-login', GOOD_PASSWORD),
      await signIn('bad\u0000login', 'x'),
    ];
    assert.deepEqual(storeCalls, [], 'a refused sign-in must not reach the user store');
    const shape = (a: request.Response) => ({
      status: a.status,
      text: a.text,
      type: a.headers['content-type'],
      length: a.headers['content-length'],
      etag: a.headers['etag'],
      retryAfter: a.headers['retry-after'],
      headerNames: Object.keys(a.headers).filter((h) => h !== 'date'),
    });
    const first = shape(answers[0] as request.Response);
    assert.equal(first.status, 429);
    assert.deepEqual(JSON.parse(first.text), { kind: 'puppetlabs.rbac/too-many-requests', msg: 'Too many password requests from this client at once; try again shortly' });
    assert.match(first.retryAfter ?? '', /^[1-9][0-9]*$/);
    for (const answer of answers.slice(1)) assert.deepEqual(shape(answer), first);
    // Refused like the verify would have been: counted as the pool's 429s, and no failed attempt or anything else was stored.
    assert.equal(pool.stats.rejectedKeyBusy - refusedBefore, answers.length);
    assert.equal(snapshot(t), before);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts ?? 0, 0);
  });

  it('the change by login (POST /auth/change-password) is refused the same way, before the user lookup', async () => {
    const before = snapshot(t);
    storeCalls.length = 0;
    const change = (login: string) =>
      request(t.app).post('/rbac-api/v1/auth/change-password').set('x-client', FLOODER).send({ login, current_password: GOOD_PASSWORD, password: 'A-New-Password-99!x' });
    const known = await change('alice');
    const unknown = await change('nobody-has-this-login');
    assert.deepEqual(storeCalls, []);
    assert.equal(known.status, 429);
    assert.equal(known.body.kind, 'puppetlabs.rbac/too-many-requests');
    assert.deepEqual([unknown.status, unknown.text, unknown.headers['retry-after']], [known.status, known.text, known.headers['retry-after']]);
    assert.equal(snapshot(t), before);
  });

  it('another client is not refused early: its sign-in looks the user up and waits its turn', async () => {
    storeCalls.length = 0;
    const refusedBefore = pool.stats.rejectedKeyBusy;
    const answer = t.router.service.verifyLogin('alice', GOOD_PASSWORD, { fairnessKey: 'another-client' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(storeCalls[0], 'findByLogin');
    assert.equal(pool.stats.queued, 3);
    assert.equal(pool.stats.rejectedKeyBusy, refusedBefore);
    await pool.close();
    assert.equal(((await answer) as Error).name, 'HasherClosedError');
  });
});

describe('the error handler’s preformatted 429', () => {
  /** Status, headers (but Date) and body bytes of `path`, over a raw socket's view (supertest's). */
  async function raw(app: express.Express, path: string) {
    const answer = await request(app)
      .post(path)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    // Names and values in the order they were written, but Date (which moves).
    const rawHeaders = (answer as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
    const headers = rawHeaders.flatMap((value, i, all) => (i % 2 === 0 && value !== 'Date' ? [value, all[i + 1] as string] : []));
    return { status: answer.status, headers, body: (answer.body as Buffer).toString('utf8') };
  }

  /** The same 429 twice: from a HasherKeyBusyError (the fast path) and from the equivalent PasswordApiError (the general path). */
  function appWith(configure: (app: express.Express) => void, namespace?: string) {
    const app = express();
    configure(app);
    app.post('/fast', () => {
      throw new HasherKeyBusyError(7);
    });
    app.post('/general', () => {
      throw new PasswordApiError('too-many-requests', 'Too many password requests from this client at once; try again shortly', { retryAfterSeconds: 7 });
    });
    app.use(createErrorHandler(namespace));
    return app;
  }

  for (const [name, configure, namespace] of [
    ['the defaults', () => {}, undefined],
    ['another namespace', () => {}, 'example.org/'],
    ['ETags off', (app: express.Express) => app.set('etag', false), undefined],
    ['strong ETags', (app: express.Express) => app.set('etag', 'strong'), undefined],
    ['json spaces (the general path is taken)', (app: express.Express) => app.set('json spaces', 2), undefined],
  ] as const) {
    it(`is byte for byte the general path’s answer, with ${name}`, async () => {
      const app = appWith(configure, namespace);
      const fast = await raw(app, '/fast');
      const general = await raw(app, '/general');
      assert.equal(fast.status, 429);
      assert.deepEqual(fast, general);
      assert.ok(fast.headers.includes('Retry-After') && fast.headers[fast.headers.indexOf('Retry-After') + 1] === '7');
    });
  }

  it('a Content-Type set before the error is kept, as res.json keeps it', async () => {
    const app = express();
    for (const [path, error] of [
      ['/fast', new HasherKeyBusyError(3)],
      ['/general', new PasswordApiError('too-many-requests', 'Too many password requests from this client at once; try again shortly', { retryAfterSeconds: 3 })],
    ] as const) {
      app.post(path, (_req, res) => {
        res.type('text/plain');
        throw error;
      });
    }
    app.use(createErrorHandler());
    const fast = await raw(app, '/fast');
    assert.deepEqual(fast, await raw(app, '/general'));
    assert.ok(fast.headers.includes('text/plain; charset=utf-8'));
  });
});

describe('with the default fairness key (the client address), the routes that hash refuse first', () => {
  let t: TestApp;
  let pool: WorkerPoolHasher;
  let queued: Promise<unknown>[];
  const storeCalls: string[] = [];

  before(async () => {
    pool = hangingPool();
    t = await createTestApp({ hasher: pool });
    recordStoreCalls(t, storeCalls);
    // supertest connects from 127.0.0.1: that address has its share waiting.
    queued = fillShare(pool, '127.0.0.1');
  });

  after(async () => {
    await pool.close();
    await Promise.all(queued);
  });

  it('429 before the body is read or the caller authenticated: a schema violation, a bad token, malformed JSON, no session', async () => {
    const before = snapshot(t);
    storeCalls.length = 0;
    const answers = [
      await request(t.app).post('/rbac-api/v1/auth/reset').send({}),
      await request(t.app).post('/rbac-api/v1/auth/reset').send({ token: 'not-a-token', password: 'A-New-Password-99!x' }),
      await request(t.app).post('/rbac-api/v1/auth/change-password').set('content-type', 'application/json').send('{"login":'),
      await request(t.app).post('/rbac-api/v1/auth/change-password').send({ login: 'alice', current_password: GOOD_PASSWORD, password: 'A-New-Password-99!x' }),
      await request(t.app).put('/rbac-api/v1/users/current/password').send({ current_password: GOOD_PASSWORD, password: 'A-New-Password-99!x' }),
      await request(t.app).put('/rbac-api/v1/users/current/password').set('x-authentication', t.auth.alice).send({ current_password: 'wrong', password: 'A-New-Password-99!x' }),
    ];
    assert.deepEqual(
      answers.map((a) => [a.status, a.body.kind, /^[1-9][0-9]*$/.test(a.headers['retry-after'] ?? '')]),
      answers.map(() => [429, 'puppetlabs.rbac/too-many-requests', true]),
    );
    assert.deepEqual(storeCalls, []);
    assert.equal(snapshot(t), before);
  });

  it('a route that does not hash answers as ever', async () => {
    const answer = await request(t.app).post('/rbac-api/v1/command/validate-login').set('x-authentication', t.auth.admin).send({ login: 'a-new-login' });
    assert.equal(answer.status, 200);
  });
});

describe('with a hashFairnessKey of the host’s (which may read the body), the body is read first', () => {
  it('a flooding key’s schema violation is answered 400, as before', async () => {
    const pool = hangingPool();
    const t = await createTestApp({ hasher: pool, hashFairnessKey: (req) => req.get('x-client') });
    const queued = fillShare(pool, FLOODER);
    try {
      const answer = await request(t.app).post('/rbac-api/v1/auth/reset').set('x-client', FLOODER).send({});
      assert.equal(answer.status, 400);
      const change = await request(t.app)
        .post('/rbac-api/v1/auth/change-password')
        .set('x-client', FLOODER)
        .send({ login: 'alice', current_password: GOOD_PASSWORD, password: 'A-New-Password-99!x' });
      assert.equal(change.status, 429, 'and refused at verifyLogin’s early check');
    } finally {
      await pool.close();
      await Promise.all(queued);
    }
  });
});
