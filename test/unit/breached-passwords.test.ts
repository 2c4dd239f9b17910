/**
 * The breached-password check: the built-in Pwned Passwords range client against a local range
 * server (k-anonymity, padding, timeouts, 500s, garbage), and the `breachedPasswords` option
 * through HTTP (asked after the rules, before any hashing or token use; never burns a token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { BreachCheckError, createBcryptHasher, createPwnedPasswordsChecker, describePasswordPolicy, type Hasher, type PasswordEvent } from '../../lib/index.ts';
import { GOOD_PASSWORD, OTHER_GOOD_PASSWORD, createTestApp, snapshot, type TestApp } from '../helpers/app.ts';
import { sha1Hex, startRangeServer, type RangeServer } from '../helpers/range-server.ts';

const BREACHED = 'Breached-Pa55word!';
const RARE = 'Rarely-Seen-Pa55!';
const PADDED = 'Padded-Only-Pa55!';

let range: RangeServer;
before(async () => {
  range = await startRangeServer({ [BREACHED]: 7, [RARE]: 2, [PADDED]: 0 });
});
after(() => range.close());

/** Every byte a request carried: URL, header names and values, body. */
function everythingSent(): string {
  return range.requests.map((r) => [r.method, r.url, JSON.stringify(r.headers), r.body].join('\n')).join('\n');
}

function assertOnlyPrefixesLeft(passwords: readonly string[]): void {
  const sent = everythingSent();
  for (const password of passwords) {
    const hash = sha1Hex(password);
    assert.ok(!sent.includes(password), 'the password left the process');
    assert.ok(!sent.toUpperCase().includes(hash), 'the full SHA-1 left the process');
    assert.ok(!sent.toUpperCase().includes(hash.slice(5)), 'the hash suffix left the process');
    assert.ok(!sent.toUpperCase().includes(hash.slice(0, 6)), 'more than 5 hex characters left the process');
  }
}

describe('createPwnedPasswordsChecker (against a local range server)', () => {
  it('finds breached passwords and sends only the 5-character prefix, asking for padding', async () => {
    range.requests.length = 0;
    const checker = createPwnedPasswordsChecker({ baseUrl: range.baseUrl });
    assert.equal(await checker.isBreached(BREACHED), true);
    assert.equal(await checker.isBreached(RARE), true);
    assert.equal(await checker.isBreached(PADDED), false, 'a padding line (count 0) is not a breach');
    assert.equal(await checker.isBreached(GOOD_PASSWORD), false);
    assert.equal(range.requests.length, 4);
    for (const [i, password] of [BREACHED, RARE, PADDED, GOOD_PASSWORD].entries()) {
      const req = range.requests[i];
      assert.equal(req?.method, 'GET');
      assert.equal(req?.url, `/pwned/range/${sha1Hex(password).slice(0, 5)}`, 'the mirror’s path is kept');
      assert.equal(req?.headers['add-padding'], 'true');
      assert.equal(req?.body, '');
    }
    assertOnlyPrefixesLeft([BREACHED, RARE, PADDED, GOOD_PASSWORD]);
  });

  it('refuses only from minimumCount breaches on', async () => {
    const checker = createPwnedPasswordsChecker({ baseUrl: range.baseUrl, minimumCount: 3 });
    assert.equal(await checker.isBreached(BREACHED), true);
    assert.equal(await checker.isBreached(RARE), false);
  });

  it('rejects with a BreachCheckError on timeouts, 500s, garbage and oversized answers', async (t) => {
    // A short timeout only for the stalls: under load, reading the 5 MB answer could outlast it.
    const hasty = createPwnedPasswordsChecker({ baseUrl: range.baseUrl, timeoutMs: 200 });
    const patient = createPwnedPasswordsChecker({ baseUrl: range.baseUrl, timeoutMs: 20_000 });
    t.after(() => {
      range.mode = 'normal';
    });
    const cases = [
      ['stall-headers', 'timeout', hasty],
      ['stall-body', 'timeout', hasty],
      ['status-500', 'http-status', patient],
      ['garbage', 'malformed-response', patient],
      ['huge', 'too-large', patient],
    ] as const;
    for (const [mode, reason, checker] of cases) {
      range.mode = mode;
      await assert.rejects(checker.isBreached(BREACHED), (error: unknown) => error instanceof BreachCheckError && error.reason === reason, mode);
    }
    const checker = hasty;
    range.mode = 'normal';
    await assert.rejects(
      createPwnedPasswordsChecker({ baseUrl: 'http://127.0.0.1:9/pwned', timeoutMs: 2000 }).isBreached(BREACHED),
      (error: unknown) => error instanceof BreachCheckError,
    );
    assert.equal(checker.onError, 'allow', 'failures allow by default');
  });

  it('checks its options at once', () => {
    assert.throws(() => createPwnedPasswordsChecker({ baseUrl: 'ftp://mirror' }), /baseUrl must use http or https/);
    assert.throws(() => createPwnedPasswordsChecker({ baseUrl: 'not a url' }), /baseUrl must be an absolute/);
    assert.throws(() => createPwnedPasswordsChecker({ timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => createPwnedPasswordsChecker({ minimumCount: 0 }), /minimumCount/);
    assert.throws(() => createPwnedPasswordsChecker({ onError: 'maybe' as 'allow' }), /onError/);
  });
});

/** A hasher that counts its calls, to prove a refusal came before any hashing. */
function countingHasher(): Hasher & { calls: number } {
  const inner = createBcryptHasher({ cost: 4 });
  const counted = {
    calls: 0,
    maxPasswordBytes: inner.maxPasswordBytes,
    hash: (password: string) => {
      counted.calls += 1;
      return inner.hash(password);
    },
    verify: (password: string, hash: string) => {
      counted.calls += 1;
      return inner.verify(password, hash);
    },
  };
  return counted;
}

/** A generous timeout by default, so a loaded machine cannot turn a normal answer into a failed check. */
async function appWith(onError: 'allow' | 'refuse' = 'allow', timeoutMs = 20_000) {
  const hasher = countingHasher();
  const events: PasswordEvent[] = [];
  const t = await createTestApp({
    hasher,
    breachedPasswords: createPwnedPasswordsChecker({ baseUrl: range.baseUrl, timeoutMs, onError }),
    onEvent: (event) => {
      events.push(event);
    },
  });
  // The test app's own users were hashed by another hasher; count from here on.
  hasher.calls = 0;
  return { t, hasher, events };
}

async function issueToken(t: TestApp): Promise<string> {
  const res = await request(t.app).post(`/rbac-api/v1/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
  return res.text;
}

describe('breachedPasswords through HTTP', () => {
  it('refuses a breached password on reset as password-breached, before hashing, without burning the token', async () => {
    const { t, hasher } = await appWith();
    const token = await issueToken(t);
    const before = snapshot(t);
    const res = await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: BREACHED }).expect(400);
    assert.equal(res.body.kind, 'puppetlabs.rbac/password-policy-violation');
    assert.deepEqual(
      res.body.details.failures.map((f: { rule: string }) => f.rule),
      ['password-breached'],
    );
    assert.equal(hasher.calls, 0, 'no bcrypt work for a breached candidate');
    assert.equal(snapshot(t), before);
    await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('asks only after the stateless rules pass', async () => {
    const { t } = await appWith();
    const token = await issueToken(t);
    range.requests.length = 0;
    const res = await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: 'short' }).expect(400);
    assert.ok(!res.body.details.failures.some((f: { rule: string }) => f.rule === 'password-breached'));
    assert.equal(range.requests.length, 0);
  });

  it('refuses a breached new password on change before checking the current one (no failed attempt counted)', async () => {
    const { t, hasher } = await appWith();
    const res = await request(t.app)
      .put('/rbac-api/v1/users/current/password')
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: 'Not-The-Current-1!', password: BREACHED })
      .expect(400);
    assert.equal(res.body.details.failures[0].rule, 'password-breached');
    assert.equal(hasher.calls, 0);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
    await request(t.app)
      .put('/rbac-api/v1/users/current/password')
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD })
      .expect(200);
  });

  it('reports password-breached from validate-password', async () => {
    const { t } = await appWith();
    const token = await issueToken(t);
    const res = await request(t.app).post('/rbac-api/v1/command/validate-password').send({ password: BREACHED, reset_token: token }).expect(200);
    assert.equal(res.body.valid, false);
    assert.deepEqual(
      res.body.failures.map((f: { rule: string }) => f.rule),
      ['password-breached'],
    );
    assert.deepEqual(describePasswordPolicy(t.router.service.policy, { breachedPasswords: true }).at(-1)?.rule, 'password-breached');
  });

  it('onError allow (default): a timed-out check accepts the password, logs and emits breach-check-failed', async (t) => {
    const { t: app, events } = await appWith('allow', 300);
    t.after(() => {
      range.mode = 'normal';
    });
    const token = await issueToken(app);
    range.mode = 'stall-headers';
    await request(app.app).post('/rbac-api/v1/auth/reset').send({ token, password: BREACHED }).expect(200);
    const failed = events.find((e) => e.type === 'breach-check-failed');
    assert.equal(failed?.userId, app.alice.id);
    assert.deepEqual(failed?.details, { reason: 'timeout', outcome: 'allowed' });
  });

  it('onError refuse: a failed check (HTTP 500) answers 503 with Retry-After, changes nothing, and the token stays usable', async (t) => {
    const { t: app, events } = await appWith('refuse');
    t.after(() => {
      range.mode = 'normal';
    });
    const token = await issueToken(app);
    const before = snapshot(app);
    range.mode = 'status-500';
    const res = await request(app.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(503);
    assert.equal(res.body.kind, 'puppetlabs.rbac/server-error');
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(snapshot(app), before);
    assert.deepEqual(events.find((e) => e.type === 'breach-check-failed')?.details, { reason: 'http-status', outcome: 'refused' });
    range.mode = 'normal';
    await request(app.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('a custom checker works too, and a checker that throws is treated by onError', async () => {
    let asked = 0;
    const t = await createTestApp({
      breachedPasswords: {
        isBreached: async () => {
          asked += 1;
          throw new Error('local corpus missing');
        },
      },
    });
    const token = await issueToken(t);
    await request(t.app).post('/rbac-api/v1/auth/reset').send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal(asked, 1);
    await assert.rejects(createTestApp({ breachedPasswords: {} as never }), /breachedPasswords must implement isBreached/);
  });

  it('never sends the password or its full hash anywhere, across every route', () => {
    assertOnlyPrefixesLeft([BREACHED, RARE, PADDED, GOOD_PASSWORD, OTHER_GOOD_PASSWORD]);
  });
});
