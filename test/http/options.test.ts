import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import request from 'supertest';
import {
  DEFAULTS,
  MemoryTokenStore,
  MemoryUserStore,
  OPTION_RANGES,
  PasswordOptionsError,
  createBcryptHasher,
  createPasswordRouter,
  createPasswordService,
  type OptionProblem,
  type PasswordRouterOptions,
} from '../../lib/index.ts';
import { createTestApp } from '../helpers/app.ts';
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

/** The problems a bad configuration is refused with, as `{ option, code }` pairs. */
function problemsOf(options: unknown, create: (o: never) => unknown = createPasswordRouter): { option: string; code: string }[] {
  let caught: unknown;
  try {
    create(options as never);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PasswordOptionsError, 'a PasswordOptionsError');
  assert.ok(caught instanceof TypeError, 'still a TypeError, as before');
  assert.equal(caught.name, 'TypeError');
  return caught.problems.map(({ option, code }: OptionProblem) => ({ option, code }));
}

describe('every option problem is reported at once, each with a stable code', () => {
  it('lists each bad option of one configuration in one error', () => {
    const { tokenKey: _omitted, ...withoutKey } = base();
    const problems = problemsOf({
      ...withoutKey,
      passwordResetExpiry: 2,
      passwordResetExpiration: '24',
      bcryptCost: 3,
      failedAttemptsLockout: 2.5,
      publicUrl: 'https://x.example/#frag',
      onEvent: 'log',
      revealAccountState: 'yes',
      lockout: { mode: 'forever' },
      policy: { passwordMinimumLength: 0 },
      errorNamespace: 5,
    });
    assert.deepEqual(
      problems.sort((a, b) => a.option.localeCompare(b.option)),
      [
        { option: 'bcryptCost', code: 'out-of-range' },
        { option: 'errorNamespace', code: 'wrong-type' },
        { option: 'failedAttemptsLockout', code: 'out-of-range' },
        { option: 'onEvent', code: 'wrong-type' },
        { option: 'passwordResetExpiration', code: 'wrong-type' },
        { option: 'passwordResetExpiry', code: 'unknown-option' },
        { option: 'policy', code: 'invalid-value' },
        { option: 'publicUrl', code: 'invalid-value' },
        { option: 'revealAccountState', code: 'wrong-type' },
        { option: 'tokenKey', code: 'required' },
      ],
    );
  });

  it('says how many problems there are and puts each on its own line, keeping "did you mean"', () => {
    assert.throws(
      () => createPasswordRouter({ ...base(), tokenkey: 'x', storeTimeoutMs: 0 } as never),
      (error: unknown) => {
        assert.ok(error instanceof PasswordOptionsError);
        const lines = error.message.split('\n');
        assert.equal(lines[0], 'express-rbac-password: 2 option problems:');
        assert.match(lines[1] ?? '', /^ {2}- option tokenkey is not an option; did you mean tokenKey\?/);
        assert.match(lines[2] ?? '', /^ {2}- option storeTimeoutMs must be an integer from 1 ms to 600,000 ms; got 0\.$/);
        return true;
      },
    );
  });

  it('a single problem keeps the message it always had', () => {
    assert.throws(() => createPasswordRouter({ ...base(), bcryptCost: 3 }), { message: 'express-rbac-password: option bcryptCost must be an integer from 4 to 31; got 3.' });
  });

  it('codes stores and authorizers that lack what the options need', () => {
    const minimal = { findById: () => null, setPassword: () => false };
    assert.deepEqual(problemsOf({ ...base(), userStore: minimal }), [
      { option: 'policy.passwordHistory', code: 'missing-method' },
      { option: 'failedAttemptsLockout', code: 'missing-method' },
    ]);
    assert.deepEqual(problemsOf({ ...base(), userStore: undefined, tokenStore: {}, hasher: createBcryptHasher({ cost: 4 }), bcryptCost: 10 }), [
      { option: 'userStore', code: 'required' },
      { option: 'tokenStore', code: 'missing-method' },
      { option: 'bcryptCost', code: 'conflict' },
    ]);
    assert.deepEqual(problemsOf({ ...base(), sendResetLink: () => {} }), [{ option: 'sendResetLink', code: 'conflict' }]);
  });

  it('createPasswordService reports the same way, and refuses the router-only options', () => {
    assert.deepEqual(problemsOf({ ...base(), errorNamespace: '', maxPendingResetLinks: 0 }, createPasswordService), [
      { option: 'errorNamespace', code: 'unknown-option' },
      { option: 'maxPendingResetLinks', code: 'out-of-range' },
    ]);
  });

  it('writes numbers readably and quotes a received string', () => {
    assert.throws(() => createPasswordRouter({ ...base(), passwordResetExpiration: '24' as never }), {
      message: 'express-rbac-password: option passwordResetExpiration must be a number from 1 second (1/3600 h) to 8760 h; got "24".',
    });
    assert.throws(() => createPasswordRouter({ ...base(), passwordResetExpiration: 9000 }), /from 1 second \(1\/3600 h\) to 8760 h; got 9000\./);
    assert.throws(
      () => createPasswordRouter({ ...base(), lockout: { mode: 'temporary', initialDelaySeconds: 0 } }),
      /lockout\.initialDelaySeconds must be a number from 1 s to 86,400 s; got 0\./,
    );
    assert.throws(() => createPasswordRouter({ ...base(), upgradeHashes: 'yes' as never }), /upgradeHashes must be true or false; got "yes"\./);
  });
});

describe('DEFAULTS: one table of the defaults, read-only', () => {
  it('holds what the router applies when an option is unset', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post('/rbac-api/v1/auth/reset').set('Content-Type', 'application/json').send('{').expect(400);
    assert.equal(res.body.kind, `${DEFAULTS.errorNamespace}malformed-request`);
    assert.equal(DEFAULTS.errorNamespace, 'puppetlabs.rbac/');
    assert.equal(DEFAULTS.bcryptCost, 12);
    assert.equal(DEFAULTS.passwordResetExpiration, 24);
    assert.deepEqual(OPTION_RANGES.bcryptCost, { min: 4, max: 31, integer: true });
  });

  it('cannot be changed by a host', () => {
    assert.ok(Object.isFrozen(DEFAULTS) && Object.isFrozen(DEFAULTS.lockout) && Object.isFrozen(DEFAULTS.policy) && Object.isFrozen(OPTION_RANGES.bcryptCost));
    assert.throws(() => {
      (DEFAULTS as { bcryptCost: number }).bcryptCost = 4;
    }, TypeError);
  });
});

describe('publicUrl: the one rule of the library and the reference server', () => {
  it('keeps a query before the token fragment, and refuses a fragment', async () => {
    const users = new MemoryUserStore();
    const alice = users.createUser({ login: 'alice' });
    const admin = users.createUser({ login: 'admin' });
    const service = createPasswordService({
      ...base(),
      userStore: users,
      authorizer: { authenticate: () => null, canResetPassword: () => true },
      publicUrl: 'https://rbac.example.com/reset-password?lang=de',
    });
    try {
      const issued = await service.issueResetToken({ userId: admin.id }, alice.id);
      assert.equal(issued.link, `https://rbac.example.com/reset-password?lang=de#token=${issued.token}`);
    } finally {
      await service.close();
    }
    assert.deepEqual(problemsOf({ ...base(), publicUrl: 'https://rbac.example.com/reset#x' }), [{ option: 'publicUrl', code: 'invalid-value' }]);
    assert.deepEqual(problemsOf({ ...base(), publicUrl: 'ftp://rbac.example.com/reset' }), [{ option: 'publicUrl', code: 'invalid-value' }]);
  });
});
