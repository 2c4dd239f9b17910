/**
 * The reference server's login under the temporary lockout mode: the lock answers user-locked
 * with Retry-After, even to the right password, and lifts by itself when the wait is over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.ts';

test('RBAC_LOCKOUT_MODE=temporary with RBAC_REVEAL_ACCOUNT_STATE locks with Retry-After and unlocks by itself', async () => {
  let clock = Date.parse('2026-11-27T10:00:00Z');
  const running = await startServer(
    { RBAC_STORE: 'memory', RBAC_LOCKOUT_MODE: 'temporary', RBAC_FAILED_ATTEMPTS_LOCKOUT: '2', RBAC_REVEAL_ACCOUNT_STATE: 'true' },
    { now: () => new Date(clock) },
  );
  try {
    const login = (password: string) => request(running.base).post('/auth/token').set('Content-Type', 'application/json').send({ login: 'admin', password });
    assert.equal((await login('wrong-1').expect(401)).body.kind, 'puppetlabs.rbac/user-unauthenticated');
    const locking = await login('wrong-2').expect(401);
    assert.equal(locking.body.kind, 'puppetlabs.rbac/user-locked');
    assert.equal(locking.headers['retry-after'], '60');
    const locked = await login(ADMIN_PASSWORD).expect(401);
    assert.equal(locked.body.kind, 'puppetlabs.rbac/user-locked');
    // Told to any password alike: the answer says nothing about which one is right.
    assert.deepEqual((await login('wrong-3').expect(401)).body, locked.body);
    clock += 60_000;
    await login(ADMIN_PASSWORD).expect(200);
  } finally {
    await running.close();
  }
});
