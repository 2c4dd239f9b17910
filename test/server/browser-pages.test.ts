/**
 * Both pages in a real browser (Playwright driving Debian's chromium), as a user meets them: at
 * desktop size and at 375 px, before submitting, with an error, and after success, each saved as a
 * screenshot under test/artifacts/. A submit sends one request however often Enter is pressed
 * while it is in flight; the button says "Saving…" meanwhile. The reset page names the account;
 * success says where to sign in; the rules fold to one line on a phone; no request 404s (favicon);
 * without JavaScript a message says why nothing works.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page, Route } from 'playwright-core';
import request from 'supertest';
import { browserSkip as skip, launchChromium, screenshotPath } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

if (skip !== false) console.log(`# ${skip}`);
const USERS = ['alice', 'bob', 'carol', 'dave'];
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };

let running: RunningServer;
before(async () => {
  if (skip !== false) return;
  const seed = path.join(tempDir('browser-pages'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: USERS.map((login) => ({ login, password: ALICE_PASSWORD })) }));
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
});
after(async () => {
  await running?.close();
});

const json = { 'Content-Type': 'application/json' };

/** The reset link an admin would hand `login`. */
async function resetLink(login: string): Promise<string> {
  const admin = (await request(running.base).post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token as string;
  const users = (await request(running.base).get('/users').set('X-Authentication', admin).expect(200)).body as { id: string; login: string }[];
  const user = users.find((u) => u.login === login) ?? assert.fail(`no user ${login}`);
  const { token } = (await request(running.base).post(`/users/${user.id}/password/reset`).set('X-Authentication', admin).set('Accept', 'application/json').expect(200)).body as {
    token: string;
  };
  return `${running.base}/reset-password#token=${token}`;
}

/** Every 404 and every request of `method` to a URL ending in `suffix`, as the page makes them. */
function watch(page: Page, method: string, suffix: string): { readonly sent: string[]; readonly missing: string[] } {
  const sent: string[] = [];
  const missing: string[] = [];
  page.on('request', (req) => {
    if (req.method() === method && req.url().endsWith(suffix)) sent.push(req.url());
  });
  page.on('response', (res) => {
    if (res.status() === 404) missing.push(res.url());
  });
  return { sent, missing };
}

/**
 * Presses Enter twice in `field` while the first request is held in flight, checks the button
 * meanwhile, then lets it through. Resolves the number of requests sent.
 */
async function doubleEnter(page: Page, field: Locator, urlGlob: string, sent: readonly string[]): Promise<number> {
  const held: Route[] = [];
  await page.route(urlGlob, (route) => void held.push(route));
  const before = sent.length;
  const button = page.locator('form:visible button[type="submit"]');
  // Enter submits a form only while its submit button is enabled (implicit submission): wait for
  // the end of the last attempt as a user sees it, not only for its message.
  await waitUntil(
    () => button.isEnabled(),
    () => 'the submit button stays disabled',
  );
  await field.press('Enter');
  await waitUntil(
    () => held.length === 1,
    async () =>
      `no request held: ${sent.length - before} sent, button "${await button.textContent()}", focus on #${await page.locator(':focus').evaluateAll((els) => els.map((el) => (el as unknown as { id: string }).id).join(','))}`,
  );
  assert.equal(await button.textContent(), 'Saving…');
  assert.equal(await button.isDisabled(), true);
  await field.press('Enter');
  // Enter runs the submit handler synchronously in the page; a second request would be sent by now.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
  for (const route of held) await route.continue();
  await page.unroute(urlGlob);
  return sent.length - before;
}

/** Polls `condition`; the bound is generous because a loaded 2-core machine can stall Chromium for seconds. */
async function waitUntil(condition: () => boolean | Promise<boolean>, explain: () => string | Promise<string>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(await explain());
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rulesFolded(page: Page): Promise<boolean> {
  return page.locator('#rules-box').evaluate((el) => !(el as unknown as { open: boolean }).open);
}

async function buttonInView(page: Page, height: number): Promise<boolean> {
  const box = await page.locator('form:visible button[type="submit"]').boundingBox();
  return box !== null && box.y + box.height <= height;
}

describe('the change-password page', { skip, timeout: 180_000 }, () => {
  for (const [size, viewport, login] of [
    ['desktop', DESKTOP, 'alice'],
    ['375px', PHONE, 'bob'],
  ] as const) {
    test(`${size}: sign in, an error, then one PUT for Enter pressed twice, and where to sign in next`, async () => {
      const browser = await launchChromium({ viewport });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        const { sent, missing } = watch(page, 'PUT', '/users/current/password');
        await page.goto(`${running.base}/change-password`);
        await page.getByLabel('Login').fill(login);
        await page.getByLabel('Password', { exact: true }).fill(ALICE_PASSWORD);
        await page.keyboard.press('Enter');
        await page.locator('#change-form').waitFor();
        assert.equal(await page.locator('#change-heading').textContent(), 'Current and new password', 'the heading over "Current password" is not "New password"');
        assert.equal(await rulesFolded(page), size === '375px', 'the rules fold on a phone only');
        if (size === '375px') assert.ok(await buttonInView(page, viewport.height), 'the button is on the first screen');
        await page.screenshot({ path: screenshotPath(`change-page-${size}-before`), fullPage: true });

        await page.getByLabel('Current password').fill('Not-The-Current-Pw-1!');
        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
        await page.getByLabel('Repeat the new password').press('Enter');
        await page.locator('#status.error').waitFor();
        assert.match(await page.locator('#status').innerText(), /current password/i);
        await page.screenshot({ path: screenshotPath(`change-page-${size}-error`), fullPage: true });

        await page.getByLabel('Current password').fill(ALICE_PASSWORD);
        const puts = await doubleEnter(page, page.getByLabel('Repeat the new password'), '**/users/current/password', sent);
        assert.equal(puts, 1, 'Enter pressed twice while saving sends one PUT');
        await page.locator('#status.success').waitFor();
        const done = await page.locator('#status').innerText();
        assert.match(done, new RegExp(`password has been changed for ${login}`));
        assert.match(done, /sign in with the new password/i);
        assert.equal(await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href'), 'change-password');
        assert.equal(await page.locator('#change-form').isVisible(), false, 'nothing left to submit twice');
        await page.screenshot({ path: screenshotPath(`change-page-${size}-success`), fullPage: true });
        assert.deepEqual(missing, [], 'no request 404s (the favicon included)');
      } finally {
        await browser.close();
      }
      await request(running.base).post('/auth/token').set(json).send({ login, password: NEW_PASSWORD }).expect(200);
    });
  }
});

describe('the reset page', { skip, timeout: 180_000 }, () => {
  for (const [size, viewport, login] of [
    ['desktop', DESKTOP, 'carol'],
    ['375px', PHONE, 'dave'],
  ] as const) {
    test(`${size}: names the account, an error, then one POST for Enter pressed twice, and where to sign in`, async () => {
      const link = await resetLink(login);
      const browser = await launchChromium({ viewport });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        const { sent, missing } = watch(page, 'POST', '/auth/reset');
        await page.goto(link);
        await page.locator('#account', { hasText: login }).waitFor();
        assert.equal(await page.locator('#account').innerText(), `For the account ${login}.`);
        assert.equal(await rulesFolded(page), size === '375px', 'the rules fold on a phone only');
        if (size === '375px') {
          assert.ok(await buttonInView(page, viewport.height), 'the button is on the first screen');
          await page.getByLabel('New password', { exact: true }).fill('short');
          await page.locator('#rules-summary', { hasText: ' met' }).waitFor();
          const summaryHeight = (await page.locator('#rules-box summary').boundingBox())?.height ?? 99;
          assert.ok(summaryHeight < 45, `the folded rules are one line with their count (${summaryHeight}px high)`);
          await page.getByLabel('New password', { exact: true }).fill('');
        }
        await page.screenshot({ path: screenshotPath(`reset-page-${size}-before`), fullPage: true });

        await page.getByLabel('New password', { exact: true }).fill(`${login}123`);
        await page.getByLabel('Repeat the new password').fill(`${login}123`);
        await page.getByLabel('Repeat the new password').press('Enter');
        await page.locator('#status.error').waitFor();
        assert.match(await page.locator('#status').innerText(), /not accepted[\s\S]*at least 12 characters/);
        await page.screenshot({ path: screenshotPath(`reset-page-${size}-error`), fullPage: true });

        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
        const posts = await doubleEnter(page, page.getByLabel('Repeat the new password'), '**/auth/reset', sent);
        assert.equal(posts, 1, 'Enter pressed twice while saving sends one POST');
        await page.locator('#status.success').waitFor();
        assert.match(await page.locator('#status').innerText(), new RegExp(`password has been set for ${login}`));
        assert.equal(await page.getByRole('link', { name: 'Go to the sign-in page' }).getAttribute('href'), 'change-password');
        await page.screenshot({ path: screenshotPath(`reset-page-${size}-success`), fullPage: true });
        assert.deepEqual(missing, [], 'no request 404s (the favicon included)');
      } finally {
        await browser.close();
      }
      await request(running.base).post('/auth/token').set(json).send({ login, password: NEW_PASSWORD }).expect(200);
    });
  }
});

test('without JavaScript both pages say so and show no form', { skip, timeout: 120_000 }, async () => {
  const browser = await launchChromium({ javaScriptEnabled: false, viewport: DESKTOP });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    for (const [url, form] of [
      [`${running.base}/reset-password#token=x`, '#reset-form'],
      [`${running.base}/change-password`, '#sign-in-form'],
    ] as const) {
      await page.goto(url);
      assert.match(await page.locator('main').innerText(), /This page needs JavaScript/);
      assert.equal(await page.locator(form).isVisible(), false);
    }
    await page.screenshot({ path: screenshotPath('change-page-no-javascript'), fullPage: true });
  } finally {
    await browser.close();
  }
});
