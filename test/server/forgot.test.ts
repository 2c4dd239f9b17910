/**
 * The reference server's self-service reset and breach check: with `RBAC_SMTP_URL` a real SMTP
 * server (in-process) receives the link, unknown accounts get the same answer and no mail; without
 * it the route is off. `RBAC_BREACHED_PASSWORDS_URL` against a local range server; off by default.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { startRangeServer, type RangeServer } from '../helpers/range-server.ts';
import { ALICE_PASSWORD, NEW_PASSWORD, ROOT, startServer, tempDir, type RunningServer } from '../helpers/server.ts';
import { freePort } from '../helpers/ports.ts';
import { linkIn, startMailSink, type MailSink } from '../helpers/smtp.ts';

const BREACHED = 'Breached-Pa55word!';

function seedFile(): string {
  const file = path.join(tempDir('forgot'), 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [
        { login: 'alice', password: ALICE_PASSWORD, email: 'alice@example.com' },
        { login: 'ldap-bob', is_remote: true, email: 'bob@example.com' },
        { login: 'mallory', password: ALICE_PASSWORD, email: 'mallory@example.com', is_revoked: true },
      ],
    }),
  );
  return file;
}

describe('reference server with RBAC_SMTP_URL', () => {
  let sink: MailSink;
  let running: RunningServer;
  before(async () => {
    sink = await startMailSink();
    running = await startServer({
      RBAC_STORE: 'memory',
      RBAC_SEED: seedFile(),
      PORT: String(await freePort()),
      RBAC_SMTP_URL: sink.url,
      RBAC_SMTP_FROM: 'RBAC <rbac@example.com>',
    });
  });
  after(async () => {
    await running?.close();
    await sink?.close();
  });

  it('mails the link to the stored address; the link resets the password', async () => {
    const answer = await request(running.base).post('/auth/forgot').send({ login: 'alice' }).expect(202);
    const mail = await sink.waitFor(1);
    assert.deepEqual(mail.to, ['alice@example.com']);
    assert.equal(mail.from, 'rbac@example.com');
    assert.match(mail.raw, /^Subject: Reset your password/m);
    const link = linkIn(mail);
    assert.equal(`${link.origin}${link.pathname}`, `${running.base}/reset-password`);
    assert.equal(link.search, '');
    // Opening the page (a GET, as a mail scanner would) does not use the token up.
    await request(running.base).get('/reset-password').expect(200);
    const token = new URLSearchParams(link.hash.slice(1)).get('token') as string;
    await request(running.base).post('/auth/reset').send({ token, password: NEW_PASSWORD }).expect(200);
    await request(running.base).post('/auth/token').send({ login: 'alice', password: NEW_PASSWORD }).expect(200);
    assert.doesNotMatch(JSON.stringify(answer.body), /alice|token/);
  });

  it('answers unknown, remote and revoked accounts the same way, and no mail arrives', async () => {
    await running.server.router.service.settled();
    const before = sink.mails.length;
    const answers = [];
    for (const body of [{ login: 'nobody' }, { email: 'nobody@example.com' }, { login: 'ldap-bob' }, { email: 'bob@example.com' }, { login: 'mallory' }, { login: 'admin' }]) {
      const res = await request(running.base).post('/auth/forgot').send(body).expect(202);
      answers.push({ body: res.body, type: res.headers['content-type'], length: res.headers['content-length'] });
    }
    assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, 'one answer for all');
    await running.server.router.service.settled();
    assert.equal(sink.mails.length, before);
  });

  it('tells the page that self-service is on and documents the route', async () => {
    assert.deepEqual((await request(running.base).get('/self-service-reset').expect(200)).body, { enabled: true });
    const doc = (await request(running.base).get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/auth/forgot']);
  });
});

describe('reference server without SMTP', () => {
  let running: RunningServer;
  let range: RangeServer;
  before(async () => {
    range = await startRangeServer({ [BREACHED]: 5 });
    running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seedFile() });
  });
  after(async () => {
    await running?.close();
    await range?.close();
  });

  it('serves no /auth/forgot, and the page is told to send users to an administrator', async () => {
    await request(running.base).post('/auth/forgot').send({ login: 'alice' }).expect(404);
    assert.deepEqual((await request(running.base).get('/self-service-reset').expect(200)).body, { enabled: false });
    const doc = (await request(running.base).get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    assert.equal(doc.paths['/auth/forgot'], undefined);
  });

  it('checks no breached passwords unless RBAC_BREACHED_PASSWORDS_URL is set', async () => {
    const rules = (await request(running.base).get('/password-policy').expect(200)).body.rules as { rule: string }[];
    assert.ok(!rules.some((r) => r.rule === 'password-breached'));
    assert.equal(range.requests.length, 0);
  });

  it('with RBAC_BREACHED_PASSWORDS_URL, refuses breached passwords as password-breached', async () => {
    const checking = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seedFile(), RBAC_BREACHED_PASSWORDS_URL: range.baseUrl });
    try {
      const rules = (await request(checking.base).get('/password-policy').expect(200)).body.rules as { rule: string }[];
      assert.ok(rules.some((r) => r.rule === 'password-breached'));
      const session = (await request(checking.base).post('/auth/token').send({ login: 'alice', password: ALICE_PASSWORD }).expect(200)).body.token as string;
      const res = await request(checking.base)
        .put('/users/current/password')
        .set('X-Authentication', session)
        .send({ current_password: ALICE_PASSWORD, password: BREACHED })
        .expect(400);
      assert.equal(res.body.details.failures[0].rule, 'password-breached');
      assert.equal(range.requests.length, 1);
      await request(checking.base).put('/users/current/password').set('X-Authentication', session).send({ current_password: ALICE_PASSWORD, password: NEW_PASSWORD }).expect(200);
    } finally {
      await checking.close();
    }
  });
});

describe('reference server settings', () => {
  it('refuses RBAC_SMTP_URL without a reset page address, a non-SMTP URL (without echoing it), a bad From and a bad breach URL', () => {
    const problems = (env: Record<string, string>) => {
      try {
        readEnvironment({ RBAC_STORE: 'memory', ...env }, ROOT);
        return '';
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
    };
    assert.match(problems({ PORT: '0', RBAC_SMTP_URL: 'smtp://127.0.0.1:2525' }), /RBAC_SMTP_URL needs the reset page address/);
    const bad = problems({ RBAC_SMTP_URL: 'http://user:s3cret-pw@mail.example.com' });
    assert.match(bad, /RBAC_SMTP_URL must use smtp:\/\/ or smtps:\/\//);
    assert.doesNotMatch(problems({ RBAC_SMTP_URL: 'not a url s3cret-pw' }), /s3cret-pw/);
    assert.match(problems({ RBAC_SMTP_URL: 'smtp://127.0.0.1:2525', RBAC_SMTP_FROM: 'nobody' }), /RBAC_SMTP_FROM must be an email address/);
    assert.match(problems({ RBAC_BREACHED_PASSWORDS_URL: 'ftp://mirror' }), /RBAC_BREACHED_PASSWORDS_URL must use http or https/);
    assert.match(problems({ RBAC_BREACHED_PASSWORDS_ON_ERROR: 'maybe' }), /RBAC_BREACHED_PASSWORDS_ON_ERROR must be one of allow, refuse/);
    const config = readEnvironment({ RBAC_STORE: 'memory', RBAC_SMTP_URL: 'smtp://127.0.0.1:2525' }, ROOT);
    assert.equal(config.smtpFrom, 'no-reply@127.0.0.1');
    assert.equal(config.breachedPasswordsUrl, undefined);
  });
});
