/**
 * The reset page in a real browser (Playwright driving Debian's chromium): open the link, type a
 * weak password and see the rules fail, type a good one and succeed. Saves screenshots under
 * test/artifacts/. Skipped, saying why, when /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { browserSkip as skip, launchChromium as launch, screenshotPath, watchedPage } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

/** The few browser globals used in page functions (the project compiles without the DOM library). */
interface Browser {
  readonly location: { readonly hash: string };
  readonly document: { readonly activeElement: unknown };
}
if (skip !== false) console.log(`# ${skip}`);

let running: RunningServer;
before(async () => {
  if (skip !== false) return;
  const seed = path.join(tempDir('browser'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: [{ login: 'alice', password: ALICE_PASSWORD }] }));
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
});
after(async () => {
  await running?.close();
});

const json = { 'Content-Type': 'application/json' };

/** Signs in as admin and issues a fresh reset token for alice (each one supersedes the last). */
async function aliceTokens(): Promise<() => Promise<string>> {
  const adminToken = (await request(running.base).post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token as string;
  const users = (await request(running.base).get('/users').set('X-Authentication', adminToken).expect(200)).body as { id: string; login: string }[];
  const alice = users.find((u) => u.login === 'alice');
  assert.ok(alice);
  return async () =>
    (
      (await request(running.base).post(`/users/${alice.id}/password/reset`).set('X-Authentication', adminToken).set('Accept', 'application/json').expect(200)).body as {
        token: string;
      }
    ).token;
}

test('reset page: weak password shows failing rules, good one succeeds', { skip, timeout: 120_000 }, async () => {
  const token = await (await aliceTokens())();
  // PORT 0 gives no configured public URL, so the link is built here the way the server would.
  const link = `${running.base}/reset-password#token=${token}`;

  const browser = await launch();
  try {
    const { page, consoleErrors: violations, requested } = await watchedPage(browser);
    await page.goto(link);
    // The fragment is gone from the address bar, and no request carried the token in its URL.
    await page.waitForFunction(() => (globalThis as unknown as Browser).location.hash === '');
    await page.getByLabel('New password', { exact: true }).waitFor();
    assert.ok(
      await page.getByLabel('New password', { exact: true }).evaluate((el) => el === (globalThis as unknown as Browser).document.activeElement),
      'focus starts in the password field',
    );

    await page.keyboard.type('alice123');
    await page.locator('#rules li.rule.unmet').first().waitFor();
    const unmet = await page.locator('#rules li.unmet').allTextContents();
    assert.ok(
      unmet.some((text) => text.includes('at least 12 characters')),
      unmet.join('\n'),
    );
    assert.ok(
      unmet.some((text) => text.includes('login')),
      unmet.join('\n'),
    );
    await page.screenshot({ path: screenshotPath('reset-page-weak-password'), fullPage: true });

    // Submitting the weak one anyway shows the server's exact reasons.
    await page.getByLabel('Repeat the new password').fill('alice123');
    await page.keyboard.press('Enter');
    await page.locator('#status.error').waitFor();
    assert.match(await page.locator('#status').innerText(), /not accepted[\s\S]*at least 12 characters/);

    await page.getByLabel('New password', { exact: true }).fill('');
    await page.getByLabel('New password', { exact: true }).focus();
    await page.keyboard.type(NEW_PASSWORD);
    await page.locator('#rules-summary', { hasText: /^all \d+ met$/ }).waitFor();
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.locator('#status.success').waitFor();
    assert.match(await page.locator('#status').innerText(), /password has been set/);
    assert.ok(await page.locator('#status').evaluate((el) => el === (globalThis as unknown as Browser).document.activeElement), 'focus moves to the result');
    await page.screenshot({ path: screenshotPath('reset-page-success'), fullPage: true });

    assert.ok(!requested.some((url) => url.includes(token)), 'the token never appears in a requested URL');
    assert.deepEqual(
      violations.filter((text) => /Content Security Policy/i.test(text)),
      [],
    );
  } finally {
    await browser.close();
  }
  await request(running.base).post('/auth/token').set(json).send({ login: 'alice', password: NEW_PASSWORD }).expect(200);
});

test('reset page: a second link opened in the same tab replaces the token, and is scrubbed from the address bar and the history', { skip, timeout: 120_000 }, async () => {
  const issue = await aliceTokens();
  const first = await issue();
  const browser = await launch();
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${running.base}/reset-password#token=${first}`);
    await page.waitForFunction(() => (globalThis as unknown as Browser).location.hash === '');
    await page.getByLabel('New password', { exact: true }).waitFor();
    // A newer link supersedes the first token; it is opened in the same tab (only the fragment changes).
    const second = await issue();
    await page.goto(`${running.base}/reset-password#token=${second}`);
    await page.waitForFunction(() => (globalThis as unknown as Browser).location.hash === '');
    assert.ok(!page.url().includes(second), 'the second token stays in the address bar');
    const password = 'Second-Link-Pa55word!';
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Repeat the new password').fill(password);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.locator('#status.success').waitFor();
    // Back through the history: no entry holds either token.
    await page.goBack();
    assert.ok(!page.url().includes(second) && !page.url().includes(first), `a token is in the history: ${page.url()}`);
  } finally {
    await browser.close();
  }
  await request(running.base).post('/auth/token').set(json).send({ login: 'alice', password: 'Second-Link-Pa55word!' }).expect(200);
});

test('reset page: a password typed while the page still checks the link is checked live once it is ready', { skip, timeout: 120_000 }, async () => {
  const token = await (await aliceTokens())();
  const browser = await launch();
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    // Hold the page's first validate-password call (its check of the link) until the password is typed,
    // as a slow server or network would, or a password manager filling the form at once.
    let release: () => void = () => {};
    const typed = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = false;
    await page.route('**/command/validate-password', async (route) => {
      if (!held) {
        held = true;
        await typed;
      }
      await route.continue();
    });
    await page.goto(`${running.base}/reset-password#token=${token}`);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    release();
    await page.locator('#rules-summary', { hasText: /^all \d+ met$/ }).waitFor({ timeout: 15_000 });
  } finally {
    await browser.close();
  }
});
