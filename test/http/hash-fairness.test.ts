/**
 * Fair hashing through HTTP: one client address floods the password work, another still gets
 * through. Clients are told apart by their loopback source address (127.0.0.2, 127.0.0.3).
 * The flood's stored hash has cost 10, so its jobs are slow enough to pile up; the other
 * client's has cost 4.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createBcryptHasher, createErrorHandler, createWorkerPoolHasher, type WorkerPoolHasher } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';
import { flood, sendFrom, type Answer } from '../helpers/http-from.ts';

const base = '/rbac-api/v1';
const FLOODER = '127.0.0.2';
const OTHER = '127.0.0.3';

/** The host's login route, on the library's `verifyLogin` with the router's call context. */
function addLoginRoute(t: TestApp): void {
  t.app.post('/login', express.json(), (req, res, next) => {
    const { login, password } = req.body as { login: string; password: string };
    t.router.service.verifyLogin(login, password, t.router.callContext(req)).then((result) => {
      if (result.ok) res.status(200).json({ user: result.user.id });
      else res.status(401).json({ kind: 'puppetlabs.rbac/user-unauthenticated' });
    }, next);
  });
  t.app.use(createErrorHandler());
}

describe('fair hashing between clients, through HTTP', () => {
  let t: TestApp;
  let pool: WorkerPoolHasher;
  let server: Server;
  let origin: string;
  let flooderSession: string;

  before(async () => {
    // One worker, so the flood's jobs are always in the way; each client may have 2 waiting.
    pool = createWorkerPoolHasher({ cost: 4, size: 1, maxQueue: 8, maxQueuePerKey: 2 });
    // maxBcryptCost: the flood's stored hash (cost 10) is above the pool's cost + 3.
    t = await createTestApp({ hasher: pool, failedAttemptsLockout: 0, policy: { passwordHistory: 0 }, maxBcryptCost: 10 });
    const flooder = t.users.createUser({ login: 'flooder', passwordHash: await createBcryptHasher({ cost: 10 }).hash(GOOD_PASSWORD) });
    flooderSession = t.session(flooder.id);
    addLoginRoute(t);
    server = t.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.close();
  });

  it('a flood of sign-ins from 127.0.0.2 gets 429 with Retry-After, while a sign-in from 127.0.0.3 is answered 200', async () => {
    let victim: Answer | undefined;
    let firstRefusal: Answer | undefined;
    const signIn = (from: string, login: string) => sendFrom(from, 'POST', `${origin}/login`, { login, password: GOOD_PASSWORD });
    const statuses = await flood(
      12,
      async () => {
        const answer = await signIn(FLOODER, 'flooder');
        if (answer.status === 429 && firstRefusal === undefined) {
          firstRefusal = answer;
          // The other client signs in while the flood is refused, and the flood goes on meanwhile.
          victim = await signIn(OTHER, 'alice');
        }
        return answer;
      },
      () => victim !== undefined,
      60_000,
    );
    assert.ok(firstRefusal !== undefined, `the flood was never refused: ${summary(statuses)}`);
    assert.equal(victim?.status, 200, `the other client got ${victim?.status}: ${JSON.stringify(victim?.body)}`);
    assert.deepEqual(firstRefusal.body, {
      kind: 'puppetlabs.rbac/too-many-requests',
      msg: 'Too many password requests from this client at once; try again shortly',
    });
    assert.match(String(firstRefusal.headers['retry-after']), /^[1-9][0-9]*$/);
    // Only the per-client bound refused: the queue as a whole never overflowed (no 503).
    assert.ok(
      statuses.every((s) => s === 200 || s === 429),
      summary(statuses),
    );
    assert.ok(pool.stats.rejectedKeyBusy >= 1 && pool.stats.rejectedBusy === 0, JSON.stringify(pool.stats));
  });

  it('the library’s routes answer 429 too-many-requests to the flood (as the OpenAPI document says), and serve the other client', async () => {
    let victim: Answer | undefined;
    let firstRefusal: Answer | undefined;
    // The current password offered as the new one: one hash compare (the current password), then
    // a 400 password-reused, and nothing stored changes. (validate-password does no hashing.)
    const validate = (from: string, session: string) =>
      sendFrom(from, 'PUT', `${origin}${base}/users/current/password`, { current_password: GOOD_PASSWORD, password: GOOD_PASSWORD }, { 'x-authentication': session });
    const statuses = await flood(
      12,
      async () => {
        const answer = await validate(FLOODER, flooderSession);
        if (answer.status === 429 && firstRefusal === undefined) {
          firstRefusal = answer;
          victim = await validate(OTHER, t.auth.alice);
        }
        return answer;
      },
      () => victim !== undefined,
      60_000,
    );
    assert.ok(firstRefusal !== undefined, `the flood was never refused: ${summary(statuses)}`);
    assert.equal((firstRefusal.body as { kind: string }).kind, 'puppetlabs.rbac/too-many-requests');
    assert.match(String(firstRefusal.headers['retry-after']), /^[1-9][0-9]*$/);
    assert.ok(victim !== undefined);
    assert.equal(victim.status, 400);
    assert.equal((victim.body as { details: { failures: { rule: string }[] } }).details.failures[0]?.rule, 'password-reused');
  });

  it('once the flood is over, its address is served again and no client is remembered', async () => {
    const answer = await sendFrom(FLOODER, 'POST', `${origin}/login`, { login: 'flooder', password: GOOD_PASSWORD });
    assert.equal(answer.status, 200);
    assert.deepEqual({ keys: pool.stats.keys, queued: pool.stats.queued }, { keys: 0, queued: 0 });
  });
});

describe('the hashFairnessKey option', () => {
  it('must be a function', async () => {
    await assert.rejects(createTestApp({ hashFairnessKey: 'login' as never }), { name: 'TypeError', message: /option hashFairnessKey must be a function/ });
  });

  it('names the key each request’s hashing work is charged to; undefined falls back to the client address', async () => {
    const seen: Array<string | undefined> = [];
    const keys: Array<string | undefined> = [];
    const inner = createBcryptHasher({ cost: 4 });
    // A hasher that records the key it is given (it says it takes HashOptions).
    const recording = {
      fairnessKeys: true,
      maxPasswordBytes: 72,
      hash: (p: string, o?: { fairnessKey?: string }) => {
        keys.push(o?.fairnessKey);
        return inner.hash(p);
      },
      verify: (p: string, h: string, o?: { fairnessKey?: string }) => {
        keys.push(o?.fairnessKey);
        return inner.verify(p, h);
      },
    };
    const t = await createTestApp({
      hasher: recording,
      hashFairnessKey: (req) => {
        const tenant = req.get('x-tenant');
        seen.push(tenant);
        return tenant;
      },
    });
    // The current password offered as the new one: one compare, then 400 password-reused.
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .set('X-Tenant', 'acme')
      .send({ current_password: GOOD_PASSWORD, password: GOOD_PASSWORD })
      .expect(400);
    assert.deepEqual(new Set(keys), new Set(['acme']));
    keys.length = 0;
    await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: GOOD_PASSWORD }).expect(400);
    // supertest connects over loopback: IPv4 127.0.0.1, or ::1 keyed by its /64.
    const fallback = new Set(keys);
    assert.ok(fallback.size === 1 && (fallback.has('127.0.0.1') || fallback.has('0:0:0:0::/64')), JSON.stringify(keys));
    assert.deepEqual(seen, ['acme', undefined]);
  });

  it('by default keys by the client address Express reports: IPv6 by its /64, IPv4-mapped as IPv4', async () => {
    const keys: Array<string | undefined> = [];
    const inner = createBcryptHasher({ cost: 4 });
    const recording = {
      fairnessKeys: true,
      hash: (p: string, o?: { fairnessKey?: string }) => {
        keys.push(o?.fairnessKey);
        return inner.hash(p);
      },
      verify: (p: string, h: string, o?: { fairnessKey?: string }) => {
        keys.push(o?.fairnessKey);
        return inner.verify(p, h);
      },
    };
    const t = await createTestApp({ hasher: recording });
    // Behind a trusted proxy, so the test can name the client address.
    t.app.set('trust proxy', true);
    const keyFor = async (address: string) => {
      keys.length = 0;
      await request(t.app)
        .put(`${base}/users/current/password`)
        .set('X-Authentication', t.auth.alice)
        .set('X-Forwarded-For', address)
        .send({ current_password: GOOD_PASSWORD, password: GOOD_PASSWORD })
        .expect(400);
      assert.equal(new Set(keys).size, 1, JSON.stringify(keys));
      return keys[0];
    };
    assert.equal(await keyFor('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(await keyFor('2001:0db8:0000:0000:ffff:1:2:3'), '2001:db8:0:0::/64');
    assert.equal(await keyFor('2001:db8:0:1::1'), '2001:db8:0:1::/64');
    assert.equal(await keyFor('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(await keyFor('198.51.100.7'), '198.51.100.7');
  });

  it('a hasher that does not say it takes HashOptions is called exactly as before (two arguments)', async () => {
    const arities: number[] = [];
    const inner = createBcryptHasher({ cost: 4 });
    const legacy = {
      hash: (...args: [string]) => {
        arities.push(args.length);
        return inner.hash(args[0]);
      },
      verify: (...args: [string, string]) => {
        arities.push(args.length);
        return inner.verify(args[0], args[1]);
      },
    };
    const t = await createTestApp({ hasher: legacy });
    await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).send({ current_password: GOOD_PASSWORD, password: GOOD_PASSWORD }).expect(400);
    assert.ok(arities.length > 0);
    assert.ok(
      arities.every((n) => n <= 2),
      JSON.stringify(arities),
    );
  });
});

function summary(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return `statuses ${JSON.stringify(Object.fromEntries(counts))}`;
}
