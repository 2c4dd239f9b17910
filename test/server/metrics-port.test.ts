/**
 * `RBAC_METRICS_PORT`: the reference server's `GET /metrics` (Prometheus text format) on a
 * listener of its own. Set, it answers with the library's metric names after real traffic; unset,
 * there is no such listener and the API port has no `/metrics`; a bad value stops the start.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { ListenError } from '../../examples/server/bind-port.ts';
import { ADMIN_PASSWORD, BASE_ENV, ROOT, runProcess, startServer, type RunningServer } from '../helpers/server.ts';

const signIn = (base: string, login: string, password: string) =>
  fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });

describe('RBAC_METRICS_PORT set', () => {
  let running: RunningServer;
  let metricsUrl: string;

  before(async () => {
    running = await startServer({ RBAC_STORE: 'memory', RBAC_METRICS_PORT: '0' });
    assert.ok(running.metricsUrl);
    metricsUrl = running.metricsUrl;
  });
  after(() => running.close());

  it('answers GET /metrics in Prometheus text format with the library metric names, labels from fixed lists only', async () => {
    assert.equal((await signIn(running.base, 'admin', ADMIN_PASSWORD)).status, 200);
    assert.equal((await signIn(running.base, 'admin', 'Not-The-Passw0rd!')).status, 401);
    const answer = await fetch(metricsUrl);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await answer.text();
    assert.match(text, /^# TYPE rbac_password_operations_total counter$/m);
    assert.match(text, /^rbac_password_operations_total\{[^}]*operation="sign-in",outcome="success"[^}]*\} 1$/m);
    assert.match(text, /^rbac_password_operations_total\{[^}]*operation="sign-in",outcome="invalid-credentials"[^}]*\} 1$/m);
    assert.match(text, /^# TYPE rbac_password_hash_run_seconds histogram$/m);
    assert.match(text, /^rbac_password_hash_wait_seconds_count\{[^}]*kind="verify"[^}]*\} [1-9]/m);
    assert.match(text, /^rbac_password_hash_queue_depth(\{[^}]*\})? 0$/m);
    assert.equal(text.includes('admin'), false, 'no login in the metrics');
    assert.equal(text.includes(ADMIN_PASSWORD), false);
  });

  it('serves nothing else there, and the API port has no /metrics', async () => {
    assert.equal((await fetch(new URL('/', metricsUrl))).status, 404);
    assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${running.origin}/metrics`)).status, 404);
  });
});

describe('RBAC_METRICS_PORT unset', () => {
  it('opens no metrics listener', async () => {
    const running = await startServer({ RBAC_STORE: 'memory' });
    try {
      assert.equal(running.metricsUrl, undefined);
      assert.equal(readEnvironment({ ...BASE_ENV }, ROOT).metricsPort, undefined);
      assert.equal((await fetch(`${running.origin}/metrics`)).status, 404);
    } finally {
      await running.close();
    }
  });
});

describe('RBAC_METRICS_PORT wrong', () => {
  const problems = (env: Record<string, string>) => {
    try {
      readEnvironment({ ...BASE_ENV, ...env }, ROOT);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    return [];
  };

  it('refuses a value that is not a port, and the API port itself', () => {
    assert.deepEqual(problems({ RBAC_METRICS_PORT: 'nine' }), ['RBAC_METRICS_PORT must be an integer from 0 to 65535; got "nine"']);
    assert.deepEqual(problems({ RBAC_METRICS_PORT: '70000' }), ['RBAC_METRICS_PORT must be an integer from 0 to 65535; got "70000"']);
    assert.deepEqual(problems({ PORT: '4433', RBAC_METRICS_PORT: '4433' }), ['RBAC_METRICS_PORT must differ from PORT (both are 4433): the metrics have a listener of their own']);
  });

  let busy: Server;
  let port: number;
  before(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('npm start with a bad value prints the problem and exits 1', async () => {
    const result = await runProcess([path.join(ROOT, 'examples', 'server', 'main.ts')], { ...BASE_ENV, RBAC_STORE: 'memory', RBAC_METRICS_PORT: '-1' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /RBAC_METRICS_PORT must be an integer from 0 to 65535; got "-1"/);
  });

  it('a busy metrics port stops the start, naming RBAC_METRICS_PORT', async () => {
    await assert.rejects(startServer({ RBAC_STORE: 'memory', RBAC_METRICS_PORT: String(port) }), (error: unknown) => {
      assert.ok(error instanceof ListenError);
      assert.equal(error.message, `port ${port} is in use; set RBAC_METRICS_PORT=… (or stop the other server)`);
      return true;
    });
  });
});
