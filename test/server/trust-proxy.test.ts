/**
 * The reference server's RBAC_TRUST_PROXY and RBAC_HASH_*: whom `req.ip` believes decides whose
 * share of the hashing pool a sign-in uses. Off by default, so a client cannot pick its own share
 * with a spoofed X-Forwarded-For. One worker and one waiting job per client; the admin's hash has
 * cost 10, so sign-ins are slow enough to pile up.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { flood, sendFrom } from '../helpers/http-from.ts';
import { ADMIN_PASSWORD, BASE_ENV, startServer, type RunningServer } from '../helpers/server.ts';

const POOL_ENV = { RBAC_STORE: 'memory', RBAC_BCRYPT_COST: '10', RBAC_HASH_WORKERS: '1', RBAC_HASH_QUEUE: '32', RBAC_HASH_QUEUE_PER_CLIENT: '1' };

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

let counter = 0;
/** A different made-up client address on every call. */
const spoofed = () => {
  counter += 1;
  return `203.0.113.${(counter % 250) + 1}`;
};

describe('RBAC_TRUST_PROXY', () => {
  it('is off by default: a spoofed X-Forwarded-For is ignored, so a flood from one address shares one bound (429)', async () => {
    running = await startServer(POOL_ENV);
    const base = running.base;
    let refused = false;
    const statuses = await flood(
      8,
      async () => {
        const answer = await sendFrom('127.0.0.2', 'POST', `${base}/auth/token`, { login: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-for': spoofed() });
        if (answer.status === 429) {
          refused = true;
          assert.equal((answer.body as { kind: string }).kind, 'puppetlabs.rbac/too-many-requests');
          assert.match(String(answer.headers['retry-after']), /^[1-9][0-9]*$/);
        }
        return answer;
      },
      () => refused,
      60_000,
    );
    assert.ok(refused, `never refused: ${statuses.join(',')}`);
    assert.ok(
      statuses.every((s) => s === 200 || s === 429),
      statuses.join(','),
    );
  });

  it('when set, X-Forwarded-For from a trusted proxy names the client: distinct clients behind it each get their own bound', async () => {
    running = await startServer({ ...POOL_ENV, RBAC_TRUST_PROXY: 'loopback' });
    const base = running.base;
    let sent = 0;
    // Every request claims its own client, so none has more than one job: none is refused.
    const statuses = await flood(
      8,
      () => {
        sent += 1;
        return sendFrom('127.0.0.2', 'POST', `${base}/auth/token`, { login: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-for': spoofed() });
      },
      () => sent >= 16,
      60_000,
    );
    assert.ok(statuses.length >= 16);
    assert.ok(
      statuses.every((s) => s === 200),
      statuses.join(','),
    );
  });

  it('takes Express’s trust proxy values and refuses anything else at start-up', () => {
    const read = (value: string) => readEnvironment({ ...BASE_ENV, RBAC_TRUST_PROXY: value }).trustProxy;
    assert.equal(readEnvironment({ ...BASE_ENV }).trustProxy, false);
    assert.equal(read('true'), true);
    assert.equal(read('FALSE'), false);
    assert.equal(read('2'), 2);
    assert.equal(read('loopback, 10.0.0.0/8,192.168.1.7, fd00::/8, 172.16.0.0/255.240.0.0'), 'loopback, 10.0.0.0/8, 192.168.1.7, fd00::/8, 172.16.0.0/255.240.0.0');
    for (const bad of ['yes please', '10.0.0.0/33', 'example.com', '1.2.3.4/8/9', 'loopback,']) {
      assert.throws(
        () => read(bad),
        (error: unknown) => error instanceof ConfigError && /RBAC_TRUST_PROXY must be true, false, a number of proxy hops/.test(error.message),
        bad,
      );
    }
  });

  it('RBAC_HASH_* are checked like every other number', () => {
    assert.throws(
      () => readEnvironment({ ...BASE_ENV, RBAC_HASH_WORKERS: '0', RBAC_HASH_QUEUE: '-1', RBAC_HASH_QUEUE_PER_CLIENT: 'many' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['RBAC_HASH_WORKERS', 'RBAC_HASH_QUEUE', 'RBAC_HASH_QUEUE_PER_CLIENT'].every((name) => error.problems.some((p) => p.startsWith(`${name} `))),
    );
    assert.deepEqual(readEnvironment({ ...BASE_ENV, RBAC_HASH_WORKERS: '3', RBAC_HASH_QUEUE_PER_CLIENT: '0' }).hashPool, { size: 3, maxQueuePerKey: 0 });
  });
});
