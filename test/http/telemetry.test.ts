/**
 * Metrics and traces (README, "Observability"), read back from in-memory OpenTelemetry
 * providers: each operation's count by outcome, lockouts, the hashing pool's histograms, queue
 * depth and refusals, the spans and how hashing jobs nest in them, the option's checks, and that
 * no label or span attribute ever holds a login, address, token or password.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { context, metrics } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import express from 'express';
import request from 'supertest';
import {
  createErrorHandler,
  createWorkerPoolHasher,
  HasherBusyError,
  HasherClosedError,
  HasherKeyBusyError,
  HasherTimeoutError,
  HasherWorkerExitError,
  METRIC_NAMES,
  PasswordOptionsError,
  type WorkerPoolHasher,
} from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';
import { ROOT, runProcess } from '../helpers/server.ts';
import { createRecorders, everyLabelValue, type Recorders } from '../helpers/telemetry-recorders.ts';

const base = '/rbac-api/v1';
const WRONG_PASSWORD = 'Wrong-Horse-42-Battery';

/** The host's login route, on `verifyLogin` with the router's call context. */
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

const signIn = (t: TestApp, login: string, password: string) => request(t.app).post('/login').send({ login, password });

describe('telemetry: every operation, through HTTP', () => {
  let recorders: Recorders;
  let pool: WorkerPoolHasher;
  let t: TestApp;
  /** Every secret and identifier the requests carried: none may show up in a label or attribute. */
  const secrets: string[] = [GOOD_PASSWORD, OTHER_GOOD_PASSWORD, WRONG_PASSWORD, 'alice', 'admin', 'carol', 'alice@example.com', '127.0.0.1', '::ffff:127.0.0.1'];

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    recorders = createRecorders();
    pool = createWorkerPoolHasher({ cost: 4, size: 1 });
    t = await createTestApp({
      hasher: pool,
      telemetry: { meterProvider: recorders.meterProvider, tracerProvider: recorders.tracerProvider },
      failedAttemptsLockout: 3,
      publicUrl: 'https://rbac.example.com/reset',
      sendResetLink: async () => {},
    });
    addLoginRoute(t);
    t.users.createUser({ login: 'carol', passwordHash: await pool.hash(GOOD_PASSWORD) });
    secrets.push(...Object.values(t.auth));

    const issued = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json').expect(200);
    const token = (issued.body as { token: string }).token;
    secrets.push(token);
    await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.alice).expect(403);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.admin)
      .send({ current_password: WRONG_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(403);
    await request(t.app)
      .put(`${base}/users/current/password`)
      .set('X-Authentication', t.auth.admin)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
    await request(t.app).post(`${base}/command/validate-password`).set('X-Authentication', t.auth.alice).send({ password: 'short' }).expect(200);
    await request(t.app).post(`${base}/command/validate-password`).send({ password: 'short' }).expect(401);
    await request(t.app).post(`${base}/command/validate-login`).set('X-Authentication', t.auth.admin).send({ login: 'newcomer' }).expect(200);
    await request(t.app).post(`${base}/auth/forgot`).send({ login: 'alice' }).expect(202);
    await request(t.app).post(`${base}/auth/forgot`).send({}).expect(400);
    await t.router.service.settled();
    await signIn(t, 'carol', GOOD_PASSWORD).expect(200);
    for (let i = 0; i < 3; i += 1) await signIn(t, 'carol', WRONG_PASSWORD).expect(401);
    // Locked now (revoke mode): even the right password is refused, as for an unknown login.
    await signIn(t, 'carol', GOOD_PASSWORD).expect(401);
    await signIn(t, 'nobody', GOOD_PASSWORD).expect(401);
  });

  after(async () => {
    await t.router.close();
    await pool.close();
    await recorders.shutdown();
    context.disable();
  });

  const operations = (operation: string, outcome: string) => recorders.value(METRIC_NAMES.operations, { operation, outcome });

  it('counts issue, reset and change by outcome: success, or the error kind answered', async () => {
    assert.equal(await operations('issue', 'success'), 1);
    assert.equal(await operations('issue', 'permission-denied'), 1);
    assert.equal(await operations('reset', 'success'), 1);
    assert.equal(await operations('reset', 'invalid-token'), 1);
    assert.equal(await operations('change', 'permission-denied'), 1);
    assert.equal(await operations('change', 'success'), 1);
  });

  it('counts validate (both routes), forgot (202 is success) and refused requests before any handler', async () => {
    assert.equal(await operations('validate', 'success'), 2);
    assert.equal(await operations('validate', 'user-unauthenticated'), 1);
    assert.equal(await operations('forgot', 'success'), 1);
    assert.equal(await operations('forgot', 'schema-violation'), 1);
  });

  it('counts sign-ins through verifyLogin by result, and the lock they caused', async () => {
    assert.equal(await operations('sign-in', 'success'), 1);
    assert.equal(await operations('sign-in', 'invalid-credentials'), 5);
    assert.equal(await recorders.value(METRIC_NAMES.lockouts, { kind: 'revoke' }), 1);
    assert.equal(await recorders.value(METRIC_NAMES.lockouts, { kind: 'temporary' }), 0);
  });

  it('times every hashing job of the pool: a wait and a run per job, by kind, and the queue is empty at rest', async () => {
    for (const kind of ['hash', 'verify']) {
      const waits = await recorders.histogramCount(METRIC_NAMES.hashWait, { kind });
      assert.ok(waits > 0, `${kind} jobs were timed`);
      assert.equal(await recorders.histogramCount(METRIC_NAMES.hashRun, { kind }), waits, `every ${kind} job that waited also ran`);
    }
    const all = await recorders.metrics();
    assert.equal(all.get(METRIC_NAMES.hashWait)?.descriptor.unit, 's');
    assert.equal(await recorders.value(METRIC_NAMES.hashQueueDepth, {}), 0);
    assert.equal(all.has(METRIC_NAMES.rejected), false, 'nothing was refused');
  });

  it('opens a span per route and per sign-in, and the hashing jobs nest in them', () => {
    const spans = recorders.spans();
    const reset = spans.find((span) => span.name === 'rbac_password.reset' && span.attributes['rbac_password.outcome'] === 'success');
    assert.ok(reset, 'the reset has its span');
    assert.equal(reset.attributes['http.response.status_code'], 200);
    const jobs = spans.filter((span) => span.name === 'rbac_password.hash_job' && span.parentSpanContext?.spanId === reset.spanContext().spanId);
    assert.ok(
      jobs.some((job) => job.attributes['rbac_password.hash.kind'] === 'hash'),
      'the new hash is a job under the reset',
    );
    const signIns = spans.filter((span) => span.name === 'rbac_password.sign-in');
    assert.equal(signIns.length, 6);
    for (const signInSpan of signIns) {
      assert.ok(
        spans.some((span) => span.name === 'rbac_password.hash_job' && span.parentSpanContext?.spanId === signInSpan.spanContext().spanId),
        'each sign-in verifies in a job under its span, unknown and locked logins too',
      );
    }
  });

  it('never puts a login, address, token or password in a label or span attribute', async () => {
    const values = await everyLabelValue(recorders);
    assert.ok(values.length > 50);
    for (const secret of secrets) {
      assert.equal(
        values.find((value) => value.includes(secret)),
        undefined,
        'a recorded value holds a secret or an identifier',
      );
    }
  });
});

describe('telemetry: the pool refusals, by reason', () => {
  let recorders: Recorders;
  let pool: WorkerPoolHasher;
  let t: TestApp;

  before(async () => {
    recorders = createRecorders();
    // One worker, two waiting jobs at most, one per key; a job may run 3 s (500 ms was tight for
    // the jobs after the timeout, on a loaded machine, before a new worker's start-up stopped counting).
    pool = createWorkerPoolHasher({ cost: 4, size: 1, maxQueue: 2, maxQueuePerKey: 1, jobTimeoutMs: 3000 });
    t = await createTestApp({ hasher: pool, telemetry: { meterProvider: recorders.meterProvider, tracerProvider: recorders.tracerProvider } });
  });

  after(async () => {
    await t.router.close();
    await pool.close();
    await recorders.shutdown();
  });

  it('counts key-busy (429), busy, timeout and closed (503), and shows the waiting jobs as the queue depth', async () => {
    // A cost-20 hash takes over a minute: it always outlives its 3 s, and holds the one worker till then.
    const slow = pool.run('bcrypt-hash', { password: 'x', cost: 20 }, { fairnessKey: 'a' }).catch((error: unknown) => error);
    const waitingA = pool.hash('x', { fairnessKey: 'a' });
    await assert.rejects(pool.hash('x', { fairnessKey: 'a' }), HasherKeyBusyError);
    const waitingB = pool.hash('x', { fairnessKey: 'b' });
    await assert.rejects(pool.hash('x', { fairnessKey: 'c' }), (error: unknown) => error instanceof HasherBusyError && !(error instanceof HasherKeyBusyError));
    assert.equal(await recorders.value(METRIC_NAMES.hashQueueDepth, {}), 2);
    assert.ok((await slow) instanceof HasherTimeoutError);
    await Promise.all([waitingA, waitingB]);
    await pool.close();
    await assert.rejects(pool.hash('x', { fairnessKey: 'a' }), HasherClosedError);

    for (const reason of ['key-busy', 'busy', 'timeout', 'closed']) {
      assert.equal(await recorders.value(METRIC_NAMES.rejected, { reason }), 1, reason);
    }
    assert.equal(await recorders.value(METRIC_NAMES.hashQueueDepth, {}), 0);
    const timedOut = recorders.spans().find((span) => span.attributes['rbac_password.hash.end'] === 'timeout');
    assert.equal(timedOut?.status.code, 2, 'a stopped job is an error span');
  });
});

describe('telemetry: a worker that dies', () => {
  it('counts its job as worker-exit, and the pool goes on with a new worker', async () => {
    const recorders = createRecorders();
    const pool = createWorkerPoolHasher({ cost: 4, size: 1 });
    const t = await createTestApp({ hasher: pool, telemetry: { meterProvider: recorders.meterProvider } });
    try {
      const modulePath = path.join(ROOT, 'test/helpers/exit-on-load.cjs');
      await assert.rejects(pool.run('argon2-verify', { modulePath, password: 'x', hash: 'y' }), HasherWorkerExitError);
      assert.match(await pool.hash('x'), /^\$2b\$04\$/);
      assert.equal(await recorders.value(METRIC_NAMES.rejected, { reason: 'worker-exit' }), 1);
      assert.equal(await recorders.histogramCount(METRIC_NAMES.hashRun, { kind: 'verify' }), 1, 'the job had started');
    } finally {
      await t.router.close();
      await pool.close();
      await recorders.shutdown();
    }
  });
});

describe('telemetry: a client that leaves before the answer', () => {
  it('is counted as aborted', async () => {
    const recorders = createRecorders();
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Authentication waits until the client is gone.
    const t = await createTestApp({
      telemetry: { meterProvider: recorders.meterProvider },
      authorizer: {
        authenticate: async () => {
          entered();
          await gate;
          return null;
        },
        canResetPassword: () => false,
      },
    });
    const server = t.app.listen(0, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => server.once('listening', resolve));
      const socketClosed = new Promise<void>((resolve) => server.once('connection', (socket) => socket.once('close', () => resolve())));
      const req = httpRequest({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: `${base}/command/validate-login` });
      req.on('error', () => {});
      req.end();
      await inside;
      req.destroy();
      await socketClosed;
      await new Promise((resolve) => setImmediate(resolve));
      release();
      assert.equal(await recorders.value(METRIC_NAMES.operations, { operation: 'validate', outcome: 'aborted' }), 1);
    } finally {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.router.close();
      await recorders.shutdown();
    }
  });
});

describe('telemetry: the queue depth of several pools', () => {
  it('sums the waiting jobs of every pool recorded on one meter provider, a pool shared by two routers once', async () => {
    const recorders = createRecorders();
    const telemetry = { meterProvider: recorders.meterProvider };
    const poolA = createWorkerPoolHasher({ cost: 4, size: 1 });
    const poolB = createWorkerPoolHasher({ cost: 4, size: 1 });
    const routers = [await createTestApp({ hasher: poolA, telemetry }), await createTestApp({ hasher: poolB, telemetry }), await createTestApp({ hasher: poolA, telemetry })];
    try {
      // Each pool's one worker is busy for seconds; one job waits behind it in each.
      const jobs = [poolA, poolB].flatMap((pool) => [
        pool.run('bcrypt-hash', { password: 'x', cost: 16 }, { fairnessKey: 'slow' }).catch((error: unknown) => error),
        pool.hash('x', { fairnessKey: 'next' }).catch((error: unknown) => error),
      ]);
      assert.equal(await recorders.value(METRIC_NAMES.hashQueueDepth, {}), 2);
      await Promise.all([poolA.close(), poolB.close()]);
      assert.ok((await Promise.all(jobs)).every((outcome) => outcome instanceof HasherClosedError));
      assert.equal(await recorders.value(METRIC_NAMES.hashQueueDepth, {}), 0);
      assert.equal(await recorders.value(METRIC_NAMES.rejected, { reason: 'closed' }), 6, 'each job of the shared pool is counted by both of its routers');
    } finally {
      await Promise.all(routers.map((t) => t.router.close()));
      await Promise.all([poolA.close(), poolB.close()]);
      await recorders.shutdown();
    }
  });
});

describe('telemetry: a sign-in refused 429 by the per-client bound', () => {
  it('is counted as too-many-requests, and its job as key-busy', async () => {
    const recorders = createRecorders();
    const pool = createWorkerPoolHasher({ cost: 4, size: 1, maxQueue: 1, maxQueuePerKey: 0 });
    const t = await createTestApp({ hasher: pool, telemetry: { meterProvider: recorders.meterProvider } });
    addLoginRoute(t);
    try {
      // The one worker is busy for seconds with another key's job, and no job of this client may wait.
      const slow = pool.run('bcrypt-hash', { password: 'x', cost: 16 }, { fairnessKey: 'other' }).catch((error: unknown) => error);
      await signIn(t, 'alice', GOOD_PASSWORD).expect(429);
      await pool.close();
      assert.ok((await slow) instanceof HasherClosedError);
      assert.equal(await recorders.value(METRIC_NAMES.operations, { operation: 'sign-in', outcome: 'too-many-requests' }), 1);
      assert.equal(await recorders.value(METRIC_NAMES.rejected, { reason: 'key-busy' }), 1);
      assert.equal(await recorders.value(METRIC_NAMES.rejected, { reason: 'closed' }), 1);
    } finally {
      await pool.close();
      await recorders.shutdown();
    }
  });
});

describe('telemetry: the option', () => {
  it('defaults to the global meter provider, even one registered after the router was made', async () => {
    const recorders = createRecorders();
    const t = await createTestApp();
    try {
      metrics.setGlobalMeterProvider(recorders.meterProvider);
      await request(t.app).post(`${base}/command/validate-password`).set('X-Authentication', t.auth.alice).send({ password: 'short' }).expect(200);
      assert.equal(await recorders.value(METRIC_NAMES.operations, { operation: 'validate', outcome: 'success' }), 1);
    } finally {
      metrics.disable();
      await t.router.close();
      await recorders.shutdown();
    }
  });

  it('false records nothing, whatever the global providers', async () => {
    const recorders = createRecorders();
    metrics.setGlobalMeterProvider(recorders.meterProvider);
    const t = await createTestApp({ telemetry: false });
    try {
      await request(t.app).post(`${base}/command/validate-password`).set('X-Authentication', t.auth.alice).send({ password: 'short' }).expect(200);
      assert.equal((await recorders.metrics()).size, 0);
    } finally {
      metrics.disable();
      await t.router.close();
      await recorders.shutdown();
    }
  });

  it('refuses a wrong value with a problem code naming the option', async () => {
    const problemOf = async (telemetry: unknown) => {
      try {
        await createTestApp({ telemetry: telemetry as never });
      } catch (error) {
        assert.ok(error instanceof PasswordOptionsError);
        return error.problems.map((p) => `${p.option}: ${p.code}`);
      }
      assert.fail('the option was accepted');
    };
    assert.deepEqual(await problemOf(true), ['telemetry: wrong-type']);
    assert.deepEqual(await problemOf('on'), ['telemetry: wrong-type']);
    assert.deepEqual(await problemOf({ meter: {} }), ['telemetry.meter: unknown-option']);
    assert.deepEqual(await problemOf({ meterProvider: {} }), ['telemetry.meterProvider: missing-method']);
    assert.deepEqual(await problemOf({ tracerProvider: { getTracer: 1 } }), ['telemetry.tracerProvider: missing-method']);
  });
});

/** Runs test/helpers/telemetry-without-api.ts with `preload` deciding what `@opentelemetry/api` resolves to; its printed result. */
async function hostWith(preload: string): Promise<unknown> {
  const result = await runProcess(['--require', path.join(ROOT, 'test/helpers', preload), path.join(ROOT, 'test/helpers/telemetry-without-api.ts')], {});
  assert.equal(result.code, 0, result.stderr);
  const line = /^RESULT (.*)$/m.exec(result.stdout)?.[1];
  assert.ok(line, result.stdout);
  return JSON.parse(line);
}

describe('telemetry: without @opentelemetry/api', () => {
  const worksWithout = { issue: 200, reset: 200, signIn: true, disabled: 200, providers: ['telemetry: conflict'] };

  it('the router works as before, and telemetry providers are refused with the package to install', async () => {
    assert.deepEqual(await hostWith('block-otel-api.cjs'), { apiLoadable: false, ...worksWithout });
  });

  it('an API older than the peer range (no metrics) counts as none', async () => {
    assert.deepEqual(await hostWith('old-otel-api.cjs'), { apiLoadable: true, ...worksWithout });
  });
});
