import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createBcryptHasher, createWorkerPoolHasher, type Hasher, type WorkerPoolHasher } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD } from '../helpers/app.ts';

const base = '/rbac-api/v1';

describe('hashing behind the router', () => {
  it('hashes in the default worker pool, started lazily and stopped by router.close()', async () => {
    const t = await createTestApp({ hasher: undefined, bcryptCost: 4 } as object);
    const pool = t.router.service.hasher as WorkerPoolHasher;
    assert.equal(pool.stats.workers, 0, 'the pool started before any password work');
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.ok(pool.stats.workers >= 1);
    assert.ok(pool.stats.completed >= 2, 'verify and hash did not both run in the pool');
    await t.router.close();
    assert.equal(pool.stats.closed, true);
    await t.router.close();
  });

  it('a full queue answers 503 server-error with Retry-After, never an unbounded wait', async () => {
    const pool = createWorkerPoolHasher({ cost: 10, size: 1, maxQueue: 1 });
    // Each user is its own fairness key, so no one is over a per-client bound: only the total one.
    const t = await createTestApp({ hasher: pool, hashFairnessKey: (req) => req.get('x-authentication') });
    const fast = createBcryptHasher({ cost: 4 });
    const users = await Promise.all(Array.from({ length: 8 }, async (_, i) => t.users.createUser({ login: `user${i}`, passwordHash: await fast.hash(GOOD_PASSWORD) })));
    const results = await Promise.all(
      users.map((u) =>
        request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.session(u.id)).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }),
      ),
    );
    const busy = results.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `statuses: ${results.map((r) => r.status).join(',')}`);
    assert.ok(results.every((r) => r.status === 200 || r.status === 503));
    for (const res of busy) {
      assert.equal(res.body.kind, 'puppetlabs.rbac/server-error');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    await pool.close();
  });

  it('a refused request never reaches the hasher', async () => {
    let calls = 0;
    const inner = createBcryptHasher({ cost: 4 });
    const counting: Hasher = {
      maxPasswordBytes: 72,
      hash: (p) => {
        calls += 1;
        return inner.hash(p);
      },
      verify: (p, h) => {
        calls += 1;
        return inner.verify(p, h);
      },
    };
    const t = await createTestApp({ hasher: counting });
    calls = 0;
    const put = (auth: string | undefined, body: unknown) => {
      const req = request(t.app).put(`${base}/users/current/password`);
      return (auth === undefined ? req : req.set('X-Authentication', auth)).send(body as object);
    };
    await request(t.app).post(`${base}/auth/reset`).send({ token: 'x.y.z', password: OTHER_GOOD_PASSWORD }).expect(403);
    await request(t.app).post(`${base}/auth/reset`).send({ token: 'x' }).expect(400);
    await request(t.app).post(`${base}/auth/reset`).set('Content-Type', 'application/json').send('{bad').expect(400);
    await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: 'nope' }).expect(403);
    await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD }).expect(401);
    await put(undefined, { current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(401);
    await put(t.auth.alice, { current_password: GOOD_PASSWORD }).expect(400);
    await put(t.auth.alice, { current_password: GOOD_PASSWORD, password: 'weak' }).expect(400);
    await put(t.auth.remote, { current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(403);
    await request(t.app).post(`${base}/users/${t.admin.id}/password/reset`).set('X-Authentication', t.auth.alice).expect(403);
    await request(t.app).post(`${base}/users/not-a-uuid/password/reset`).set('X-Authentication', t.auth.admin).expect(400);
    assert.equal(calls, 0);
  });
});

describe('a closed or crashed hasher', () => {
  it('answers 503 server-error, not 500', async () => {
    const pool = createWorkerPoolHasher({ cost: 4, size: 1 });
    const t = await createTestApp({ hasher: pool });
    await pool.close();
    const res = await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(503);
    assert.equal(res.body.kind, 'puppetlabs.rbac/server-error');
    assert.equal(res.headers['retry-after'], '1');
  });
});
