import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { MemoryTokenStore, MemoryUserStore, createBcryptHasher, createPasswordRouter, type PasswordRouterOptions } from '../../lib/index.ts';
import { SECRET } from '../helpers/app.ts';

function base(): PasswordRouterOptions {
  return {
    userStore: new MemoryUserStore(),
    tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: SECRET,
  };
}

function throwsWith(options: unknown, pattern: RegExp): void {
  assert.throws(
    () => createPasswordRouter(options as PasswordRouterOptions),
    (error: unknown) => error instanceof TypeError && pattern.test(error.message),
  );
}

describe('options are checked when the router is created', () => {
  it('accepts the minimal options', () => {
    const router = createPasswordRouter(base());
    assert.equal(typeof router, 'function');
    assert.ok(router.service);
  });

  it('names a misspelled option and suggests the right one', () => {
    throwsWith({ ...base(), passwordResetExpiry: 2 }, /passwordResetExpiry is not an option; did you mean passwordResetExpiration\?/);
    throwsWith({ ...base(), tokenkey: 'x' }, /tokenkey is not an option; did you mean tokenKey\?/);
  });

  it('requires a signing key, with no silent default, and refuses short secrets', () => {
    const { tokenKey: _omitted, ...withoutKey } = base();
    throwsWith(withoutKey, /tokenKey is required/);
    throwsWith({ ...base(), tokenKey: 'too-short' }, /at least 32 bytes/);
    throwsWith({ ...base(), tokenKey: { algorithm: 'none', secret: SECRET } }, /must have an algorithm among/);
    throwsWith({ ...base(), tokenKey: { algorithm: 'RS256', secret: SECRET } }, /which needs an HMAC algorithm/);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    throwsWith({ ...base(), tokenKey: { publicKey } }, /needs a secret or a privateKey/);
    throwsWith({ ...base(), previousTokenKeys: [SECRET] }, /distinct kid/);
  });

  it('checks stores, authorizer and hasher for their required members', () => {
    throwsWith({ ...base(), userStore: {} }, /userStore must implement findById\(\)/);
    throwsWith({ ...base(), tokenStore: { issue() {}, find() {}, revokeForUser() {} } }, /tokenStore must implement redeem\(\)/);
    throwsWith({ ...base(), authorizer: { authenticate() {} } }, /authorizer must implement canResetPassword\(\)/);
    throwsWith({ ...base(), hasher: { hash() {} } }, /hasher must implement verify\(\)/);
  });

  it('checks numbers and their ranges', () => {
    throwsWith({ ...base(), passwordResetExpiration: 0 }, /passwordResetExpiration must be a number/);
    throwsWith({ ...base(), passwordResetExpiration: '24' }, /passwordResetExpiration must be a number/);
    throwsWith({ ...base(), failedAttemptsLockout: 2.5 }, /failedAttemptsLockout must be an integer/);
    throwsWith({ ...base(), bcryptCost: 3 }, /bcryptCost must be an integer from 4 to 31/);
    throwsWith({ ...base(), storeTimeoutMs: -1 }, /storeTimeoutMs/);
    throwsWith({ ...base(), clockToleranceSeconds: Number.NaN }, /clockToleranceSeconds/);
  });

  it('refuses contradictory or ill-formed options', () => {
    throwsWith({ ...base(), hasher: createBcryptHasher({ cost: 4 }), bcryptCost: 10 }, /bcryptCost only applies to the default hasher/);
    throwsWith({ ...base(), publicUrl: '/relative' }, /publicUrl must be an absolute/);
    throwsWith({ ...base(), publicUrl: 'https://x.example/#frag' }, /must not have a fragment/);
    throwsWith({ ...base(), lockout: { mode: 'forever' } }, /lockout.mode must be/);
    throwsWith({ ...base(), onEvent: 'log' }, /onEvent must be a function/);
    throwsWith({ ...base(), errorNamespace: 5 }, /errorNamespace must be a string/);
  });

  it('lockout and history need the store members they use', () => {
    const minimal = { findById: () => null, setPassword: () => false };
    throwsWith({ ...base(), userStore: minimal, policy: { passwordHistory: 0 } }, /failedAttemptsLockout needs userStore.recordFailedAttempt/);
    throwsWith({ ...base(), userStore: minimal, failedAttemptsLockout: 0 }, /passwordHistory needs userStore.getPasswordHistory/);
    assert.ok(createPasswordRouter({ ...base(), userStore: minimal, failedAttemptsLockout: 0, policy: { passwordHistory: 0 } }));
  });
});
