/**
 * Self-service reset in a real browser (Playwright driving Debian's chromium), against the
 * reference server and an in-process SMTP server: "Forgot your password?" -> mail -> link -> new
 * password. Without SMTP the page says to ask an administrator. Saves screenshots under
 * test/artifacts/. Skipped, saying why, when /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { browserSkip as skip, launchChromium as launch, screenshotPath, watchedPage } from '../helpers/browser.ts';
import { ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';
import { freePort } from '../helpers/ports.ts';
import { linkIn, startMailSink, type MailSink } from '../helpers/smtp.ts';

if (skip !== false) console.log(`# ${skip}`);

let sink: MailSink;
let withMail: RunningServer;
let withoutMail: RunningServer;
before(async () => {
  if (skip !== false) return;
  const seed = path.join(tempDir('browser-forgot'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD, email: 'alice@example.com' }] }));
  sink = await startMailSink();
  withMail = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed, PORT: String(await freePort()), RBAC_SMTP_URL: sink.url });
  withoutMail = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
});
after(async () => {
  await withMail?.close();
  await withoutMail?.close();
  await sink?.close();
});

test('forgot password -> mail -> link -> new password', { skip, timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const { page, consoleErrors: errors, requested } = await watchedPage(browser);

    await page.goto(`${withMail.base}/reset-password`);
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    assert.equal(await page.locator('#ask-admin').isVisible(), false);
    await page.getByLabel('Login name or email address').fill('alice@example.com');
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await page.locator('#forgot-status.success').waitFor();
    assert.match(await page.locator('#forgot-status').innerText(), /If that matches an account/);
    await page.screenshot({ path: screenshotPath('forgot-password-sent'), fullPage: true });

    const mail = await sink.waitFor(1);
    assert.deepEqual(mail.to, ['alice@example.com']);
    const link = linkIn(mail);
    const token = new URLSearchParams(link.hash.slice(1)).get('token') as string;

    // The link opens from the mail client, in a new tab.
    const linkPage = await browser.newPage();
    linkPage.on('request', (req) => requested.push(req.url()));
    await linkPage.goto(link.toString());
    await linkPage.getByLabel('New password', { exact: true }).waitFor();
    assert.equal(await linkPage.locator('#forgot').isVisible(), false, 'a page with a usable link does not offer the forgot form');
    await linkPage.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await linkPage.locator('#rules-summary', { hasText: /^all \d+ met$/ }).waitFor();
    await linkPage.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await linkPage.getByRole('button', { name: 'Set the new password' }).click();
    await linkPage.locator('#status.success').waitFor();
    assert.equal(await linkPage.locator('#forgot').isVisible(), false, 'no forgot form after a successful reset');
    await linkPage.screenshot({ path: screenshotPath('forgot-password-reset-done'), fullPage: true });

    assert.ok(!requested.some((url) => url.includes(token)), 'the token never appears in a requested URL');
    assert.deepEqual(
      errors.filter((text) => /Content Security Policy/i.test(text)),
      [],
    );
  } finally {
    await browser.close();
  }
  await request(withMail.base).post('/auth/token').send({ login: 'alice', password: NEW_PASSWORD }).expect(200);
});

test('without SMTP the page says to ask an administrator', { skip, timeout: 120_000 }, async () => {
  const browser = await launch();
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${withoutMail.base}/reset-password`);
    await page.locator('#ask-admin').waitFor();
    assert.match(await page.locator('#ask-admin').innerText(), /Ask an administrator/);
    assert.equal(await page.locator('#forgot').isVisible(), false);
    await page.screenshot({ path: screenshotPath('forgot-password-ask-admin'), fullPage: true });
  } finally {
    await browser.close();
  }
});
