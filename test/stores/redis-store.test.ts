/**
 * `express-rbac-password/redis` (lib/redis) against the Redis at REDIS_URL: the conformance suite with two app
 * instances (two clients on one Redis); and the deliberately naive get-then-set adapter behind an
 * in-process mutex, which passes on one client and fails the concurrency cases on two. Every run
 * and case has its own key prefix, deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, test } from 'node:test';
import { createClient } from 'redis';
import { runConformance, type ConformanceStores } from '../../lib/conformance/index.ts';
import { createRedisStores, type RedisKeys } from '../../lib/redis/index.ts';
import type { KeyValue } from '../helpers/naive-kv-stores.ts';
import { assertRacesNamed, failures, naiveOptions } from '../helpers/naive-conformance.ts';

const REDIS_URL = process.env['REDIS_URL'] || undefined;
const SKIP = REDIS_URL === undefined ? 'REDIS_URL is not set, so the Redis store tests are skipped (e.g. REDIS_URL=redis://127.0.0.1:6379)' : false;

const newClient = () => createClient({ url: REDIS_URL as string });
type Client = ReturnType<typeof newClient>;

const runPrefix = `erp-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
let caseCount = 0;
const clients: Client[] = [];

async function connect(): Promise<Client> {
  const client = newClient();
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

/** Deletes every key under `prefix`. */
async function dropKeys(client: Client, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

function keyValue(client: Client): KeyValue {
  return {
    get: (key) => client.get(key),
    set: async (key, value) => void (await client.set(key, value)),
    del: async (key) => void (await client.del(key)),
  };
}

interface RedisConformanceStores extends ConformanceStores {
  readonly prefix: string;
  readonly keys: RedisKeys;
}

describe('express-rbac-password/redis on Redis (REDIS_URL)', { skip: SKIP }, () => {
  let first: Client | undefined;
  let second: Client | undefined;
  before(async () => {
    first = await connect();
    second = await connect();
  });
  after(async () => {
    if (first !== undefined) await dropKeys(first, runPrefix);
    await Promise.all(clients.map((client) => client.close()));
  });
  const opened = (client: Client | undefined) => client ?? assert.fail('Redis not connected');

  describe('conformance, two app instances (two clients on one Redis)', () => {
    runConformance<RedisConformanceStores>(test, {
      createStores: async () => {
        const prefix = `${runPrefix}case-${++caseCount}:`;
        const client = opened(first);
        const { userStore, tokenStore, keys } = createRedisStores(client, prefix);
        return {
          prefix,
          keys,
          userStore,
          tokenStore,
          createUser: (input) => userStore.createUser(input),
          // The host's own admin screen writing the flag alone.
          clearRevokedFlag: async (id) => void (await client.hSet(keys.user(id), 'isRevoked', '0')),
          cleanup: () => dropKeys(client, prefix),
        };
      },
      createSecondPair: async (stores) => {
        const { userStore, tokenStore } = createRedisStores(opened(second), stores.prefix);
        return { userStore, tokenStore };
      },
    });
  });

  it('honours the signal (an aborted redemption releases its claim, an aborted write sends nothing) and the rehash flag', async () => {
    const client = opened(first);
    const prefix = `${runPrefix}signal:`;
    const { userStore, tokenStore } = createRedisStores(client, prefix);
    const user = await userStore.createUser({ login: 'ann', passwordHash: 'old' });
    const now = new Date();
    const record = { id: 'tok-1', userId: user.id, issuedAt: now, expiresAt: new Date(now.getTime() + 60_000), issuedBy: null, passwordStamp: 's' };
    await tokenStore.issue(record);
    const redemption = new AbortController();
    const gone = new Error('the library stopped waiting');
    let applied = false;
    const redeeming = tokenStore.redeem(
      record.id,
      now,
      async () => {
        applied = true;
      },
      { signal: redemption.signal },
    );
    redemption.abort(gone);
    await assert.rejects(redeeming, (error) => error === gone);
    assert.equal(applied, false);
    assert.ok(await tokenStore.find(record.id, now), 'the aborted redemption left the token claimed');
    await assert.rejects(
      userStore.setPassword(user.id, { passwordHash: 'new', previousHash: 'old', historySize: 0, reinstate: false }, { signal: AbortSignal.abort(gone) }),
      (error) => error === gone,
    );
    assert.equal((await userStore.findById(user.id))?.passwordHash, 'old');
    // A re-hash of the same password (a legacy hash upgrade) leaves the history alone.
    assert.equal(await userStore.setPassword(user.id, { passwordHash: 'v1', previousHash: 'old', historySize: 5, reinstate: false }), true);
    assert.equal(await userStore.setPassword(user.id, { passwordHash: 'v1-rehashed', previousHash: 'v1', historySize: 5, reinstate: false, rehash: true }), true);
    assert.deepEqual(await userStore.getPasswordHistory(user.id, 5), ['old']);
    await dropKeys(client, prefix);
  });

  describe('a naive get-then-set adapter behind an in-process mutex', () => {
    const cleanup = (prefix: string) => dropKeys(opened(first), prefix);
    it('passes every case on one client', async () => {
      const failed = await failures(naiveOptions(() => keyValue(opened(first)), undefined, cleanup));
      assert.deepEqual(
        [...failed].map(([id, error]) => `${id}: ${error.message}`),
        [],
      );
    });

    it('fails the concurrency cases with two clients, naming each case', async () => {
      assertRacesNamed(
        await failures(
          naiveOptions(
            () => keyValue(opened(first)),
            () => keyValue(opened(second)),
            cleanup,
          ),
        ),
      );
    });
  });
});
