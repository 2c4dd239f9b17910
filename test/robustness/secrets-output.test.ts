/**
 * Secret-free output. Every flow (issue, reset, change, validate, the login helper's success and
 * failure, lockout, policy rejection, bad input, store failure) runs in a child process with
 * DEBUG=* and the audit events captured. No password, reset token, session (auth) token, password
 * hash or signing key may appear, nor any substring of one of 12 characters or more, in the logs
 * (all of stderr), the events, error bodies, error messages or any response header.
 *
 * This file is both the test (parent) and the flows (child, when SECRETS_FLOWS_CHILD=1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createBcryptHasher, type Hasher, type PasswordEvent, type UserStore } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, type TestApp } from '../helpers/app.ts';
import { rsaKeyPair } from '../helpers/test-keys.ts';

const base = '/rbac-api/v1';
const WINDOW = 12;

interface Answer {
  readonly flow: string;
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly text: string;
  /** The 200 answer of a token issue: its body is the token, by design. */
  readonly carriesToken: boolean;
}

interface ChildReport {
  readonly secrets: Array<{ readonly what: string; readonly value: string }>;
  readonly events: unknown[];
  readonly answers: Answer[];
  readonly errors: string[];
}

// --- the child: run every flow ------------------------------------------------------------------

async function runFlows(): Promise<ChildReport> {
  const secrets: ChildReport['secrets'] = [];
  const events: PasswordEvent[] = [];
  const answers: Answer[] = [];
  const errors: string[] = [];
  const secret = (what: string, value: string) => secrets.push({ what, value });
  const bcrypt = createBcryptHasher({ cost: 4 });
  // Every hash ever made, including the dummy hash and the hashes of refused passwords.
  const hasher: Hasher = {
    maxPasswordBytes: 72,
    hash: async (password) => {
      const hash = await bcrypt.hash(password);
      secret('password hash', hash);
      return hash;
    },
    verify: (password, hash) => bcrypt.verify(password, hash),
  };
  const rsa = rsaKeyPair(0);
  const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  secret('RS256 private key', rsaPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
  secret('HS256 secret', SECRET);
  const PASSWORDS = [
    GOOD_PASSWORD,
    OTHER_GOOD_PASSWORD,
    'Third-Secret-Pa55word!',
    'Wrong-Guess-Pa55word!',
    'password1234567',
    'Tooo-Long-Pa55word-'.repeat(5),
    'No-Digits-Password-Here!',
    'Store-Failure-Pa55word!',
  ];
  for (const p of PASSWORDS) secret('password', p);

  const record = (flow: string, res: request.Response, carriesToken = false) => {
    answers.push({ flow, status: res.status, headers: res.headers as Record<string, unknown>, text: res.text, carriesToken });
    return res;
  };

  for (const keyKind of ['HS256', 'RS256'] as const) {
    const t: TestApp = await createTestApp({
      hasher,
      tokenKey: keyKind === 'HS256' ? SECRET : { privateKey: rsaPem },
      publicUrl: 'https://rbac.example.com/reset-password?lang=en',
      failedAttemptsLockout: 3,
      legacyHashes: ['pbkdf2', 'scrypt'],
      onEvent: (e) => void events.push(e),
      onPasswordChanged: () => {
        throw new Error(`session store down while ending sessions (${GOOD_PASSWORD})`);
      },
    });
    for (const s of Object.values(t.auth)) secret('session token', s);
    const flow = (name: string) => `${keyKind} ${name}`;
    const issue = async (accept = 'text/plain') => {
      const res = record(
        flow(`issue ${accept}`),
        await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', accept),
        true,
      );
      const token = accept === 'application/json' ? (res.body as { token: string }).token : res.text;
      secret('reset token', token);
      return token;
    };

    // Issue (text and JSON with link), then validate with the token and signed in.
    await issue('application/json');
    const token = await issue();
    record(flow('validate with token'), await request(t.app).post(`${base}/command/validate-password`).send({ password: OTHER_GOOD_PASSWORD, reset_token: token }));
    record(flow('validate signed in'), await request(t.app).post(`${base}/command/validate-password`).set('X-Authentication', t.auth.alice).send({ password: GOOD_PASSWORD }));
    record(
      flow('validate with a bad token'),
      await request(t.app)
        .post(`${base}/command/validate-password`)
        .send({ password: OTHER_GOOD_PASSWORD, reset_token: `${token}x` }),
    );
    // Policy rejections, bad input echoing values, then the reset itself and a replay.
    for (const password of ['password1234567', 'No-Digits-Password-Here!', 'Tooo-Long-Pa55word-'.repeat(5), GOOD_PASSWORD]) {
      record(flow('reset refused by policy'), await request(t.app).post(`${base}/auth/reset`).send({ token, password }));
    }
    record(
      flow('reset with extra fields'),
      await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD, password_confirmation: OTHER_GOOD_PASSWORD, previous: GOOD_PASSWORD }),
    );
    record(
      flow('reset with a wrong type'),
      await request(t.app)
        .post(`${base}/auth/reset`)
        .send({ token: [token], password: { p: OTHER_GOOD_PASSWORD } }),
    );
    record(
      flow('reset with broken JSON'),
      await request(t.app).post(`${base}/auth/reset`).set('Content-Type', 'application/json').send(`{"token":"${token}","password":"${OTHER_GOOD_PASSWORD}"`),
    );
    record(flow('reset'), await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }));
    record(flow('reset replayed'), await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Third-Secret-Pa55word!' }));
    // Change: success, wrong current password up to the lockout, then the revoked user.
    record(
      flow('change'),
      await request(t.app)
        .put(`${base}/users/current/password`)
        .set('X-Authentication', t.auth.alice)
        .send({ current_password: OTHER_GOOD_PASSWORD, password: 'Third-Secret-Pa55word!' }),
    );
    for (let i = 0; i < 4; i++) {
      record(
        flow('change with a wrong current password'),
        await request(t.app)
          .put(`${base}/users/current/password`)
          .set('X-Authentication', t.auth.alice)
          .send({ current_password: 'Wrong-Guess-Pa55word!', password: GOOD_PASSWORD }),
      );
    }
    record(flow('issue for a revoked user'), await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.alice));
    const again = await issue();
    record(flow('reset reinstating'), await request(t.app).post(`${base}/auth/reset`).send({ token: again, password: 'Fourth-Secret-Pa55word!' }));
    secret('password', 'Fourth-Secret-Pa55word!');
    // The login helper: success, failures up to the lockout, unknown login.
    const service = t.router.service;
    for (const [login, password] of [
      ['admin', GOOD_PASSWORD],
      ['admin', 'Wrong-Guess-Pa55word!'],
      ['admin', 'Wrong-Guess-Pa55word!'],
      ['admin', 'Wrong-Guess-Pa55word!'],
      ['admin', GOOD_PASSWORD],
      ['nobody', GOOD_PASSWORD],
      [GOOD_PASSWORD, GOOD_PASSWORD],
    ] as const) {
      // (A successful result carries the PasswordUser for the host; it is not output, so it is left out.)
      answers.push({
        flow: flow('verifyLogin'),
        status: 0,
        headers: {},
        text: JSON.stringify({ ...(await service.verifyLogin(login, password)), user: undefined }),
        carriesToken: false,
      });
    }
    await service.reinstate(t.admin.id, t.alice.id);
    // Legacy hashes: sign-ins that verify and upgrade them, wrong passwords, an unrecognized and an
    // over-cap hash. Only their salt and digest are secret: the scheme prefix is public by design.
    const salt = Buffer.from(`legacy-salt-${keyKind}`);
    const legacy = [
      `$pbkdf2-sha256$i=1000$${salt.toString('base64')}$${pbkdf2Sync(GOOD_PASSWORD, salt, 1000, 32, 'sha256').toString('base64')}`,
      `$scrypt$ln=10,r=8,p=1$${salt.toString('base64')}$${scryptSync(GOOD_PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64')}`,
      `md5$${createHash('md5').update(`${GOOD_PASSWORD}${keyKind}`).digest('hex')}`,
      '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    ];
    for (const [i, hash] of legacy.entries()) {
      secret('password hash', hash.split('$').slice(-2).join('$'));
      t.users.createUser({ login: `legacy-${i}`, passwordHash: hash });
      for (const password of ['Wrong-Guess-Pa55word!', GOOD_PASSWORD]) {
        const result = await service.verifyLogin(`legacy-${i}`, password);
        answers.push({ flow: flow('verifyLogin legacy'), status: 0, headers: {}, text: JSON.stringify({ ...result, user: undefined }), carriesToken: false });
      }
    }
    await service.hashUpgradesSettled();
    // A store failure whose error message carries a password and a token.
    const users = t.users as unknown as { findById: UserStore['findById'] };
    const original = users.findById.bind(t.users);
    users.findById = () => {
      throw new Error(`db down: ${'Store-Failure-Pa55word!'} ${token} ${SECRET}`);
    };
    record(flow('store failure on issue'), await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin));
    record(flow('store failure on reset'), await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'Store-Failure-Pa55word!' }));
    try {
      await service.setPassword(t.alice.id, 'Store-Failure-Pa55word!');
    } catch (error) {
      errors.push(`${String(error)} ${(error as Error).message}`);
    }
    users.findById = original;
    try {
      await service.setPassword(t.alice.id, 'password1234567');
    } catch (error) {
      errors.push(`${String(error)} ${(error as Error).message} ${JSON.stringify(error)}`);
    }
    for (const u of t.users.listUsers()) {
      if (u.passwordHash !== null) secret('password hash', u.passwordHash);
      for (const h of t.users.getPasswordHistory(u.id, 100)) secret('password hash', h);
    }
  }
  return { secrets, events, answers, errors };
}

// --- the parent: spawn the child with DEBUG=*, then look for secrets ------------------------------

function runChild(): Promise<{ report: ChildReport; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEBUG: '*', DEBUG_COLORS: '0', SECRETS_FLOWS_CHILD: '1' };
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{"secrets"'));
      if (code !== 0 || line === undefined) reject(new Error(`flows child exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ report: JSON.parse(line) as ChildReport, stderr });
    });
  });
}

/** Finds any window of WINDOW characters of any secret in the text. */
function leaks(text: string, secrets: ChildReport['secrets']): string[] {
  const found: string[] = [];
  for (const { what, value } of secrets) {
    if (value.length < WINDOW) {
      if (text.includes(value)) found.push(`${what} (whole)`);
      continue;
    }
    for (let i = 0; i + WINDOW <= value.length; i++) {
      const piece = value.slice(i, i + WINDOW);
      if (text.includes(piece)) {
        const at = text.indexOf(piece);
        found.push(`${what} [${i}..${i + WINDOW}) in «${text.slice(Math.max(0, at - 60), at + 80)}»`);
        break;
      }
    }
  }
  return found;
}

/** Parts of a secret that are public by construction: a JWT's header segment, bcrypt's "$2b$04$". */
function secretParts(secrets: ChildReport['secrets']): ChildReport['secrets'] {
  return secrets.flatMap((s) => (s.what === 'reset token' ? [{ what: s.what, value: s.value.slice(s.value.indexOf('.') + 1) }] : [s]));
}

if (process.env['SECRETS_FLOWS_CHILD'] === '1') {
  const report = await runFlows();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  describe('secret-free output', () => {
    it('no password, token, session token, hash or key (nor 12+ characters of one) in logs, events, errors or headers', async () => {
      const { report, stderr } = await runChild();
      const secrets = secretParts(report.secrets);
      assert.ok(secrets.filter((s) => s.what === 'reset token').length >= 4);
      assert.ok(secrets.filter((s) => s.what === 'password hash').length >= 6);
      // The flows did log and emit: the checks below are not vacuous.
      for (const ns of ['express-rbac-password:service', 'express-rbac-password:http', 'express-rbac-password:upgrade']) assert.ok(stderr.includes(ns), `no ${ns} output`);
      const types = new Set<string>(report.events.map((e) => (e as PasswordEvent).type));
      for (const type of [
        'reset-token-issued',
        'password-reset',
        'password-changed',
        'failed-attempt',
        'account-locked',
        'account-reinstated',
        'policy-rejected',
        'password-rehashed',
      ])
        assert.ok(types.has(type), `no ${type} event`);
      assert.ok(report.answers.some((a) => a.status === 503) && report.answers.some((a) => a.status === 400) && report.answers.some((a) => a.status === 401));

      assert.deepEqual(leaks(stderr, secrets), [], 'a secret in the logs (DEBUG=*)');
      assert.deepEqual(leaks(JSON.stringify(report.events), secrets), [], 'a secret in an audit event');
      assert.deepEqual(leaks(report.errors.join('\n'), secrets), [], 'a secret in an error message');
      for (const answer of report.answers) {
        const issuedToken = answer.carriesToken && answer.status === 200;
        assert.deepEqual(leaks(JSON.stringify(answer.headers), secrets), [], `a secret in the headers of ${answer.flow}`);
        if (!issuedToken) assert.deepEqual(leaks(answer.text, secrets), [], `a secret in the body of ${answer.flow} (${answer.status})`);
      }
    });
  });
}
