/**
 * Drives every documented status of every route, and checks that the answers match the OpenAPI
 * document and that no documented (route, status, media type) goes unexercised. The recorder in
 * test/helpers/openapi-check.ts validates each answer; the same recorder checks every other HTTP
 * suite too.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import request from 'supertest';
import { HasherKeyBusyError, type Hasher, type UserStore } from '../../lib/index.ts';
import { openApiDocument } from '../../lib/openapi/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';
import { recordedResponses } from '../helpers/openapi-check.ts';

const base = '/rbac-api/v1';
const NAMESPACE = 'puppetlabs.rbac/';

/** A test app whose clock can be broken, to provoke the generic 500. */
async function app(overrides: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp & { breakClock(): void }> {
  let broken = false;
  let t: TestApp | undefined;
  const created = await createTestApp({
    now: () => {
      if (broken) throw new Error('clock failure');
      return (t as TestApp).now();
    },
    ...overrides,
  });
  t = created;
  // createTestApp's own clock stays the source of time; `now` above only adds a way to fail.
  return Object.assign(created, {
    breakClock: () => {
      broken = true;
    },
  });
}

async function issue(t: TestApp): Promise<string> {
  return (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

function breakStore<K extends keyof UserStore>(store: object, member: K | string): void {
  (store as Record<string, unknown>)[member] = () => {
    throw new Error('store down');
  };
}

/** A hasher whose every call is over this client's share of the pool, as a flooded pool answers. */
const crowdedHasher = (): Hasher => ({
  hash: () => Promise.reject(new HasherKeyBusyError(3)),
  verify: () => Promise.reject(new HasherKeyBusyError(3)),
});

const issuePath = (t: TestApp, id = t.alice.id) => `${base}/users/${id}/password/reset`;
const bigBody = JSON.stringify({ token: 'x', password: 'y'.repeat(20_000) });

describe('every documented answer, checked against the OpenAPI document', () => {
  // Only this file's answers: other test files may share the process (scripts/run-tests.mjs groups them).
  let firstOwn = 0;
  before(() => {
    firstOwn = recordedResponses().length;
  });
  const ownResponses = () => recordedResponses().slice(firstOwn);

  it('POST /users/{sid}/password/reset', async () => {
    const t = await app({ publicUrl: 'https://rbac.example.com/reset' });
    await request(t.app)
      .post(issuePath(t))
      .set('X-Authentication', t.auth.admin)
      .expect(200)
      .expect('Content-Type', /^text\/plain/);
    await request(t.app)
      .post(issuePath(t))
      .set('X-Authentication', t.auth.admin)
      .set('Accept', 'application/json')
      .expect(200)
      .expect('Content-Type', /^application\/json/);
    await request(t.app).post(issuePath(t, 'not-a-uuid')).set('X-Authentication', t.auth.admin).expect(400);
    await request(t.app).post(issuePath(t)).expect(401);
    await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.alice).expect(403);
    await request(t.app).post(issuePath(t, t.remote.id)).set('X-Authentication', t.auth.admin).expect(403);
    await request(t.app).post(issuePath(t, '00000000-0000-4000-8000-000000000000')).set('X-Authentication', t.auth.admin).expect(404);
    const revokedCaller = t.session(t.alice.id, true);
    t.users.setRevoked(t.alice.id, true);
    const revoked = await request(t.app).post(issuePath(t, t.admin.id)).set('X-Authentication', revokedCaller).expect(401);
    assert.equal(revoked.body.kind, `${NAMESPACE}user-revoked`);

    // A concurrent request (another issue, a revoke) ends the new token before the issue confirms it: 409, issue again.
    // (One that lost to a redemption inserts again on the new hash; see test/concurrency/races-service.test.ts.)
    const racing = await app();
    const insert = racing.tokens.issue.bind(racing.tokens);
    racing.tokens.issue = async (record) => {
      racing.tokens.issue = insert;
      await insert(record);
      await racing.tokens.revokeForUser(record.userId);
    };
    const conflict = await request(racing.app).post(issuePath(racing)).set('X-Authentication', racing.auth.admin).expect(409);
    assert.equal(conflict.body.kind, `${NAMESPACE}conflict`);

    const broken = await app();
    breakStore(broken.users, 'findById');
    await request(broken.app).post(issuePath(broken)).set('X-Authentication', broken.auth.admin).expect(503).expect('Retry-After', /^\d+$/);
    const clockless = await app();
    clockless.breakClock();
    await request(clockless.app).post(issuePath(clockless)).set('X-Authentication', clockless.auth.admin).expect(500);
  });

  it('a temporarily locked caller gets 401 user-locked with Retry-After', async () => {
    const t = await app({ failedAttemptsLockout: 1, lockout: { mode: 'temporary' } });
    assert.equal((await t.router.service.verifyLogin('admin', 'Wrong-Password-123!')).ok, false);
    const res = await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.admin).expect(401).expect('Retry-After', /^\d+$/);
    assert.equal(res.body.kind, `${NAMESPACE}user-locked`);
  });

  it('POST /auth/reset', async () => {
    const t = await app();
    const path = `${base}/auth/reset`;
    await request(t.app).post(path).set('Content-Type', 'text/plain').send('token=x').expect(400);
    await request(t.app).post(path).send({ token: 'x' }).expect(400);
    await request(t.app).post(path).set('Content-Type', 'application/json').send(bigBody).expect(413);
    await request(t.app).post(path).send({ token: 'not.a.token', password: OTHER_GOOD_PASSWORD }).expect(403);
    const token = await issue(t);
    const policy = await request(t.app).post(path).send({ token, password: 'short' }).expect(400);
    assert.equal(policy.body.kind, `${NAMESPACE}password-policy-violation`);
    await request(t.app).post(path).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);

    const broken = await app();
    const brokenToken = await issue(broken);
    breakStore(broken.tokens, 'find');
    await request(broken.app).post(path).send({ token: brokenToken, password: OTHER_GOOD_PASSWORD }).expect(503);
    const crowded = await app({ hasher: crowdedHasher() });
    const crowdedToken = await issue(crowded);
    const tooMany = await request(crowded.app).post(path).send({ token: crowdedToken, password: OTHER_GOOD_PASSWORD }).expect(429).expect('Retry-After', '3');
    assert.equal(tooMany.body.kind, `${NAMESPACE}too-many-requests`);
    const clockless = await app();
    const clocklessToken = await issue(clockless);
    clockless.breakClock();
    await request(clockless.app).post(path).send({ token: clocklessToken, password: OTHER_GOOD_PASSWORD }).expect(500);
  });

  it('PUT /users/current/password', async () => {
    const t = await app();
    const path = `${base}/users/current/password`;
    const put = (auth: string | undefined, body: unknown) => {
      const req = request(t.app).put(path);
      return auth === undefined ? req.send(body as object) : req.set('X-Authentication', auth).send(body as object);
    };
    await put(undefined, { current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(401);
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).set('Content-Type', 'text/plain').send('x').expect(400);
    await put(t.auth.alice, { password: OTHER_GOOD_PASSWORD }).expect(400);
    await put(t.auth.alice, { current_password: GOOD_PASSWORD, password: 'short' }).expect(400);
    await request(t.app).put(path).set('X-Authentication', t.auth.alice).set('Content-Type', 'application/json').send(bigBody).expect(413);
    await put(t.auth.alice, { current_password: 'Wrong-Password-123!', password: OTHER_GOOD_PASSWORD }).expect(403);
    await put(t.auth.remote, { current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(403);
    await put(t.auth.alice, { current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(200);

    const racing = await app();
    (racing.users as unknown as { setPassword: UserStore['setPassword'] }).setPassword = () => false;
    await request(racing.app).put(path).set('X-Authentication', racing.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(409);
    const broken = await app();
    breakStore(broken.users, 'findById');
    await request(broken.app).put(path).set('X-Authentication', broken.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(503);
    const crowded = await app({ hasher: crowdedHasher() });
    await request(crowded.app)
      .put(path)
      .set('X-Authentication', crowded.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(429)
      .expect('Retry-After', '3');
    const clockless = await app();
    clockless.breakClock();
    await request(clockless.app).put(path).set('X-Authentication', clockless.auth.alice).send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD }).expect(500);
  });

  it('POST /auth/change-password', async () => {
    const t = await app();
    const path = `${base}/auth/change-password`;
    const post = (target: TestApp, body: unknown) =>
      request(target.app)
        .post(path)
        .send(body as object);
    const good = { login: 'alice', current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD };
    await request(t.app).post(path).set('Content-Type', 'text/plain').send('x').expect(400);
    await post(t, { login: 'alice', password: OTHER_GOOD_PASSWORD }).expect(400);
    await post(t, { ...good, password: 'short' }).expect(400);
    await request(t.app).post(path).set('Content-Type', 'application/json').send(bigBody).expect(413);
    await post(t, { ...good, current_password: 'Wrong-Password-123!' }).expect(401);
    await post(t, good).expect(200);

    const racing = await app();
    (racing.users as unknown as { setPassword: UserStore['setPassword'] }).setPassword = () => false;
    await post(racing, good).expect(409);
    const broken = await app();
    breakStore(broken.users, 'findByLogin');
    await post(broken, good).expect(503);
    const crowded = await app({ hasher: crowdedHasher() });
    await post(crowded, good).expect(429).expect('Retry-After', '3');
    const clockless = await app();
    clockless.breakClock();
    await post(clockless, good).expect(500);
  });

  it('POST /command/validate-password', async () => {
    const t = await app();
    const path = `${base}/command/validate-password`;
    const ok = await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ password: 'short' }).expect(200);
    assert.equal(ok.body.valid, false);
    const token = await issue(t);
    await request(t.app).post(path).send({ password: OTHER_GOOD_PASSWORD, reset_token: token }).expect(200);
    await request(t.app).post(path).send({ password: OTHER_GOOD_PASSWORD }).expect(401);
    await request(t.app).post(path).set('Content-Type', 'text/plain').send('x').expect(400);
    await request(t.app).post(path).send({ password: '' }).expect(400);
    await request(t.app).post(path).send({ password: OTHER_GOOD_PASSWORD, reset_token: 'forged' }).expect(403);
    await request(t.app).post(path).set('Content-Type', 'application/json').send(bigBody).expect(413);

    const broken = await app();
    breakStore(broken.users, 'findById');
    await request(broken.app).post(path).set('X-Authentication', broken.auth.alice).send({ password: OTHER_GOOD_PASSWORD }).expect(503);
    // No 429 here: validate-password does no password hashing (it never compares stored hashes).
    const clockless = await app();
    const clocklessToken = await issue(clockless);
    clockless.breakClock();
    await request(clockless.app).post(path).send({ password: OTHER_GOOD_PASSWORD, reset_token: clocklessToken }).expect(500);
  });

  it('POST /command/validate-login', async () => {
    const t = await app();
    const path = `${base}/command/validate-login`;
    const taken = await request(t.app).post(path).set('X-Authentication', t.auth.admin).send({ login: 'ldap-bob' }).expect(200);
    assert.equal(taken.body.failures[0].rule, 'login-taken');
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ login: 'x\u0000' }).expect(200);
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ login: 'new-user' }).expect(200);
    await request(t.app).post(path).send({ login: 'new-user' }).expect(401);
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).set('Content-Type', 'text/plain').send('x').expect(400);
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ login: '' }).expect(400);
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).set('Content-Type', 'application/json').send(bigBody).expect(413);
    t.users.setRevoked(t.alice.id, true);
    await request(t.app).post(path).set('X-Authentication', t.auth.alice).send({ login: 'new-user' }).expect(401);

    const broken = await app();
    breakStore(broken.users, 'findByLogin');
    await request(broken.app).post(path).set('X-Authentication', broken.auth.admin).send({ login: 'new-user' }).expect(503);
    const clockless = await app();
    clockless.breakClock();
    await request(clockless.app).post(path).set('X-Authentication', clockless.auth.alice).send({ login: 'new-user' }).expect(500);
  });

  it('GET and DELETE /users/{sid}/password/reset-tokens[/{handle}]', async () => {
    const t = await app();
    const path = (id = t.alice.id) => `${base}/users/${id}/password/reset-tokens`;
    const admin = (req: request.Test) => req.set('X-Authentication', t.auth.admin);
    await issue(t);
    const listed = await admin(request(t.app).get(path())).expect(200);
    const handle = listed.body.tokens[0].handle as string;
    const missing = '00000000-0000-4000-8000-000000000000';
    const unknownHandle = handle.startsWith('A') ? `B${handle.slice(1)}` : `A${handle.slice(1)}`;
    for (const [method, target] of [
      ['get', path()],
      ['delete', path()],
      ['delete', `${path()}/${unknownHandle}`],
    ] as const) {
      await request(t.app)[method](target).expect(401);
      await request(t.app)[method](target).set('X-Authentication', t.auth.alice).expect(403);
      await admin(request(t.app)[method](target.replace(t.alice.id, 'not-a-uuid'))).expect(400);
      await admin(request(t.app)[method](target.replace(t.alice.id, missing))).expect(404);
    }
    await admin(request(t.app).delete(`${path()}/not-a-handle`)).expect(400);
    await admin(request(t.app).delete(`${path()}/${unknownHandle}`)).expect(404);
    await admin(request(t.app).delete(`${path()}/${handle}`)).expect(200);
    await admin(request(t.app).delete(path())).expect(200);

    const memory = t.tokens;
    const lacking = await app({
      tokenStore: {
        issue: (record) => memory.issue(record),
        find: (id, now) => memory.find(id, now),
        redeem: (id, now, apply) => memory.redeem(id, now, apply),
        revokeForUser: (userId) => memory.revokeForUser(userId),
      },
    });
    const broken = await app();
    breakStore(broken.users, 'findById');
    const clockless = await app();
    clockless.breakClock();
    for (const [method, suffix] of [
      ['get', ''],
      ['delete', ''],
      ['delete', `/${handle}`],
    ] as const) {
      const res = await request(lacking.app)
        [method](`${path(lacking.alice.id)}${suffix}`)
        .set('X-Authentication', lacking.auth.admin)
        .expect(501);
      assert.equal(res.body.kind, `${NAMESPACE}not-implemented`);
      await request(broken.app)
        [method](`${path(broken.alice.id)}${suffix}`)
        .set('X-Authentication', broken.auth.admin)
        .expect(503)
        .expect('Retry-After', /^\d+$/);
      await request(clockless.app)
        [method](`${path(clockless.alice.id)}${suffix}`)
        .set('X-Authentication', clockless.auth.admin)
        .expect(500);
    }
  });

  it('exercised every documented status and media type, and every answer matched', () => {
    const documented = new Set<string>();
    for (const [route, item] of Object.entries(openApiDocument.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const responses = (operation as { responses: Record<string, { content: Record<string, unknown> }> }).responses;
        for (const [status, response] of Object.entries(responses)) {
          for (const mediaType of Object.keys(response.content)) documented.add(`${method.toUpperCase()} ${route} ${status} ${mediaType}`);
        }
      }
    }
    const seen = new Set(
      ownResponses()
        .filter((r) => r.documented)
        .map((r) => `${r.method} ${r.route} ${r.status} ${r.contentType?.split(';')[0]}`),
    );
    assert.deepEqual([...documented].filter((key) => !seen.has(key)).sort(), [], 'documented answers never exercised');
    assert.deepEqual([...seen].filter((key) => !documented.has(key)).sort(), [], 'answers not in the document');
    assert.deepEqual(
      ownResponses().filter((r) => r.problems.length > 0),
      [],
    );
  });
});
