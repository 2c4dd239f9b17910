/**
 * The reference server's "your password was changed" mails (`RBAC_SMTP_URL`): a change of one's
 * own password, a reset by link and the CLI's set-password each mail the account's stored
 * address once, saying when and how and what to do if it was not you, with no link and no
 * secret; a refused change mails nothing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, runCliInProcess, startServer, tempDir, type RunningServer } from '../helpers/server.ts';
import { freePort } from '../helpers/ports.ts';
import { startMailSink, type MailSink, type ReceivedMail } from '../helpers/smtp.ts';

const json = { 'Content-Type': 'application/json' };

function seedFile(): string {
  const file = path.join(tempDir('notices'), 'seed.json');
  writeFileSync(file, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD, email: 'alice@example.com' }] }));
  return file;
}

/** The notice said how, when, and what to do, and carried no link, password or token. */
function assertNotice(mail: ReceivedMail, how: RegExp, secrets: readonly string[]): void {
  assert.deepEqual(mail.to, ['alice@example.com']);
  assert.match(mail.raw, /^Subject: Your password was changed/m);
  assert.match(mail.text, /The password of the account "alice" was changed on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  assert.match(mail.text, how);
  assert.match(mail.text, /If it was not you, someone else may have access to the account: contact your administrator/);
  assert.doesNotMatch(mail.text, /https?:\/\/|token=/, 'the notice carried a link');
  for (const secret of secrets) assert.ok(!mail.raw.includes(secret), 'the notice carried a secret');
}

describe('reference server: password-change notices by mail', () => {
  let sink: MailSink;
  let running: RunningServer;
  let dataDir: string;
  let publicUrl: string;
  let serverClosed = false;
  before(async () => {
    sink = await startMailSink();
    dataDir = await dataDirWithEmptyCluster('notices');
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/rbac-api/v1/reset-password`;
    running = await startServer({ RBAC_DATA_DIR: dataDir, RBAC_SEED: seedFile(), PORT: String(port), RBAC_SMTP_URL: sink.url });
  });
  after(async () => {
    if (!serverClosed) await running?.close();
    await sink?.close();
  });

  it("a change of one's own password mails one notice; a refused change mails none", async () => {
    const session = (await request(running.base).post('/auth/token').set(json).send({ login: 'alice', password: ALICE_PASSWORD }).expect(200)).body.token as string;
    const change = (current: string, password: string) =>
      request(running.base).put('/users/current/password').set(json).set('X-Authentication', session).send({ current_password: current, password });
    await change('Wrong-Current-Pw-9!', NEW_PASSWORD).expect(403);
    await change(ALICE_PASSWORD, 'short').expect(400);
    await running.server.router.service.settled();
    assert.equal(sink.mails.length, 0, 'a refused change was announced');
    await change(ALICE_PASSWORD, NEW_PASSWORD).expect(200);
    assertNotice(await sink.waitFor(1), /it was changed by someone signed in to the account/, [NEW_PASSWORD, ALICE_PASSWORD]);
  });

  it('a reset by link mails a notice after the reset mail, without the token', async () => {
    await running.server.router.service.settled();
    const before = sink.mails.length;
    await request(running.base).post('/auth/forgot').set(json).send({ login: 'alice' }).expect(202);
    const resetMail = await sink.waitFor(before + 1);
    const token = /#token=([A-Za-z0-9._-]+)/.exec(resetMail.text)?.[1] as string;
    await request(running.base).post('/auth/reset').set(json).send({ token, password: 'Another-Garden-Pw-8!' }).expect(200);
    assertNotice(await sink.waitFor(before + 2), /it was reset with a password-reset link/, [token, 'Another-Garden-Pw-8!']);
  });

  it("the CLI's set-password mails a notice too", async () => {
    // The CLI needs the data directory the server holds.
    await running.close();
    serverClosed = true;
    const before = sink.mails.length;
    const set = await runCliInProcess(
      ['set-password', '--login', 'alice'],
      { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4', RBAC_PUBLIC_URL: publicUrl, RBAC_SMTP_URL: sink.url },
      'Admin-Chosen-Pw-77!\n',
    );
    assert.equal(set.code, 0, set.stderr);
    assertNotice(await sink.waitFor(before + 1), /it was set by an administrator/, ['Admin-Chosen-Pw-77!', ADMIN_PASSWORD]);
  });
});
