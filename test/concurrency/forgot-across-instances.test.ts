/**
 * `POST /auth/forgot` on two app instances (two routers, each with its own service and its own
 * stores) sharing one PostgreSQL database: with the token store's reset-link slot members the
 * cooldown is shared, so one account named on both at once gets exactly one mail; a control
 * whose token store lacks them keeps a cooldown per instance and sends two. On PGlite always, and
 * on the real server (DATABASE_URL; skipped, saying why, when unset).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createBcryptHasher, createPasswordRouter, type TokenStore } from '../../lib/index.ts';
import { createPostgresStores, type PostgresStoreOptions, type SqlClient } from '../../lib/postgres/index.ts';
import { closePglite, openServerRun, SERVER_SKIP, sharedPglite, storesInFreshSchema } from '../helpers/postgres-fixtures.ts';

after(closePglite);

const FORGOT = '/rbac-api/v1/auth/forgot';

/** The token store's members without the reset-link slot pair: a store written before it existed. */
function withoutSlots(tokens: TokenStore): TokenStore {
  return {
    issue: (record, o) => tokens.issue(record, o),
    find: (id, now, o) => tokens.find(id, now, o),
    redeem: (id, now, apply, o) => tokens.redeem(id, now, apply, o),
    revokeForUser: (userId, o) => tokens.revokeForUser(userId, o),
  };
}

/** One app instance on `db`: its own stores over the shared tables, its own router and service. */
function instance(db: SqlClient, options: PostgresStoreOptions, mails: string[], shared: boolean) {
  const stores = createPostgresStores(db, options);
  const router = createPasswordRouter({
    userStore: stores.userStore,
    tokenStore: shared ? stores.tokenStore : withoutSlots(stores.tokenStore),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: 'forgot-across-instances-secret-0123456789',
    hasher: createBcryptHasher({ cost: 4 }),
    publicUrl: 'https://rbac.example.com/reset-password',
    sendResetLink: (_user, _link, { email }) => {
      mails.push(email);
    },
  });
  return { router, app: express().use('/rbac-api/v1', router) };
}

/**
 * Names one account on both instances, at once or one after the other, waits for their work, and
 * resolves the mails sent. The controls go one after the other: two issues at once for one user
 * without a shared cooldown may both be sent or, when one supersedes the other before its own
 * check, only the survivor (a dead link is never mailed), so only "after" has one right answer.
 */
async function forgotOnBoth(first: SqlClient, second: SqlClient, shared: boolean, order: 'at once' | 'one after the other' = 'at once'): Promise<string[]> {
  const fixture = await storesInFreshSchema(first);
  try {
    await fixture.stores.userStore.createUser({ login: 'alice', passwordHash: null, email: 'alice@example.com' });
    const mails: string[] = [];
    const instances = [instance(first, fixture.options, mails, shared), instance(second, fixture.options, mails, shared)];
    if (order === 'at once') {
      await Promise.all(instances.map(({ app }) => request(app).post(FORGOT).send({ login: 'alice' }).expect(202)));
      await Promise.all(instances.map(({ router }) => router.service.settled()));
    } else {
      for (const { app, router } of instances) {
        await request(app).post(FORGOT).send({ login: 'alice' }).expect(202);
        await router.service.settled();
      }
    }
    await Promise.all(instances.map(({ router }) => router.close()));
    return mails;
  } finally {
    await fixture.cleanup();
  }
}

describe('forgot-password on two instances sharing PGlite', () => {
  test('with the shared cooldown, one account named on both at once gets exactly one link', async () => {
    const db = await sharedPglite();
    assert.deepEqual(await forgotOnBoth(db, db, true), ['alice@example.com']);
  });

  test("one after the other: the second instance keeps to the first one's cooldown", async () => {
    const db = await sharedPglite();
    assert.deepEqual(await forgotOnBoth(db, db, true, 'one after the other'), ['alice@example.com']);
  });

  test('control: a token store without claimResetLinkSlot keeps a cooldown per instance, so both send', async () => {
    const db = await sharedPglite();
    assert.deepEqual(await forgotOnBoth(db, db, false, 'one after the other'), ['alice@example.com', 'alice@example.com']);
  });
});

describe('forgot-password on two instances sharing a PostgreSQL server (DATABASE_URL), two pools', { skip: SERVER_SKIP }, () => {
  test('with the shared cooldown: exactly one link, at once or one after the other; without it: two', async () => {
    const run = await openServerRun();
    try {
      const second = run.newPool();
      assert.deepEqual(await forgotOnBoth(run.pool, second, true), ['alice@example.com']);
      assert.deepEqual(await forgotOnBoth(run.pool, second, true, 'one after the other'), ['alice@example.com']);
      assert.deepEqual(await forgotOnBoth(run.pool, second, false, 'one after the other'), ['alice@example.com', 'alice@example.com']);
    } finally {
      await run.end();
    }
  });
});
