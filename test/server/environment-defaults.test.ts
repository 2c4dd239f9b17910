/**
 * The reference server's environment reader takes its defaults, ranges and URL rule from the
 * library's public exports, so the server and the library cannot drift apart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { DEFAULTS, OPTION_RANGES, publicUrlProblem } from '../../lib/index.ts';
import { BASE_ENV } from '../helpers/server.ts';

const { RBAC_BCRYPT_COST: _cost, ...ENV } = BASE_ENV;

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    readEnvironment({ ...ENV, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('the server reads the library defaults (DEFAULTS)', () => {
  test('unset variables take the library defaults', () => {
    const config = readEnvironment(ENV);
    assert.equal(config.bcryptCost, DEFAULTS.bcryptCost);
    assert.equal(config.passwordResetExpiration, DEFAULTS.passwordResetExpiration);
    assert.equal(config.failedAttemptsLockout, DEFAULTS.failedAttemptsLockout);
    assert.equal(config.resetReuseRefusals, DEFAULTS.resetReuseRefusals);
    assert.equal(config.revealAccountState, DEFAULTS.revealAccountState);
    assert.deepEqual(config.lockout, DEFAULTS.lockout);
  });

  test('the accepted ranges are the library ranges', () => {
    const { min, max } = OPTION_RANGES.bcryptCost;
    assert.equal(readEnvironment({ ...ENV, RBAC_BCRYPT_COST: String(max) }).bcryptCost, max);
    assert.match(problemsOf({ RBAC_BCRYPT_COST: String(min - 1) }).join('\n'), /RBAC_BCRYPT_COST must be an integer from 4 to 31/);
    const hours = OPTION_RANGES.passwordResetExpiration;
    assert.equal(readEnvironment({ ...ENV, RBAC_PASSWORD_RESET_EXPIRATION: String(hours.max) }).passwordResetExpiration, hours.max);
    assert.match(problemsOf({ RBAC_PASSWORD_RESET_EXPIRATION: String(hours.max + 1) }).join('\n'), /RBAC_PASSWORD_RESET_EXPIRATION/);
  });
});

describe('RBAC_PUBLIC_URL follows the library rule for publicUrl', () => {
  test('a query is accepted and kept, as by the library', () => {
    const url = 'https://rbac.example.com/rbac-api/v1/reset-password?lang=de';
    assert.equal(publicUrlProblem(url), undefined);
    assert.equal(readEnvironment({ ...ENV, RBAC_PUBLIC_URL: url }).publicUrl, url);
  });

  test('a fragment or another scheme is refused with the library message, under the variable name', () => {
    for (const url of ['https://rbac.example.com/reset#x', 'ftp://rbac.example.com/reset', 'not a url']) {
      const library = publicUrlProblem(url, 'RBAC_PUBLIC_URL');
      assert.ok(library !== undefined);
      assert.deepEqual(problemsOf({ RBAC_PUBLIC_URL: url }), [library.message]);
    }
  });
});
