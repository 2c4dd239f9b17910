/**
 * The forced password change on the change page, in a real browser and by keyboard only (Tab,
 * typing, Enter), at desktop size and at 375 px: the sign-in answers password-change-required, the
 * page says why and moves to the new password with the current one filled in, a refused password
 * is explained, and the change goes through `POST /auth/change-password` without any session.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { browserSkip as skip, launchChromium, screenshotPath, watchedPage } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, ALICE_PASSWORD, NEW_PASSWORD, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

if (skip !== false) console.log(`# ${skip}`);
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };
const json = { 'Content-Type': 'application/json' };

let running: RunningServer;
before(async () => {
  if (skip !== false) return;
  const seed = path.join(tempDir('browser-forced'), 'seed.json');
  writeFileSync(seed, JSON.stringify({ users: ['erin', 'frank'].map((login) => ({ login, password: ALICE_PASSWORD })) }));
  running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed });
  const api = request(running.base);
  const admin = (await api.post('/auth/token').set(json).send({ login: 'admin', password: ADMIN_PASSWORD }).expect(200)).body.token as string;
  for (const user of (await api.get('/users').set('X-Authentication', admin).expect(200)).body as { id: string; login: string }[]) {
    if (user.login !== 'admin') await api.post('/command/users/require-password-change').set('X-Authentication', admin).set(json).send({ user_id: user.id }).expect(204);
  }
});
after(async () => {
  await running?.close();
});

/** The page's `document`, as far as these checks read it (the tests compile without the DOM library). */
type PageDocument = { readonly activeElement: { readonly id: string } | null; readonly documentElement: { readonly scrollWidth: number } };

const focusedId = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: PageDocument }).document.activeElement?.id ?? '');

async function waitForFocus(page: Page, id: string): Promise<void> {
  await page.waitForFunction((expected) => (globalThis as unknown as { document: PageDocument }).document.activeElement?.id === expected, id);
}

describe('the change page: a password that must be changed before signing in, by keyboard', { skip, timeout: 180_000 }, () => {
  for (const [size, viewport, login] of [
    ['desktop', DESKTOP, 'erin'],
    ['375px', PHONE, 'frank'],
  ] as const) {
    test(`${size}: sign in, told why, a refused password, then the change without a session`, async () => {
      const browser = await launchChromium({ viewport });
      try {
        const { page, consoleErrors } = await watchedPage(browser);
        const sessionless: string[] = [];
        page.on('request', (req) => {
          if (req.url().endsWith('/auth/change-password') && req.headers()['x-authentication'] === undefined) sessionless.push(req.method());
        });
        await page.goto(`${running.base}/change-password`);
        await waitForFocus(page, 'login');

        // A wrong password is answered as any failed sign-in: nothing says a change is required.
        await page.keyboard.type(login);
        await page.keyboard.press('Tab');
        await page.keyboard.type('Wrong-Password-1!');
        await page.keyboard.press('Enter');
        await page.locator('#status.error').waitFor();
        assert.match(await page.locator('#status').innerText(), /login or password is incorrect/);
        assert.doesNotMatch(await page.locator('#status').innerText(), /new password|administrator/i);

        // Focus went back to the password: select what was typed and type the right one.
        await waitForFocus(page, 'login-password');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(ALICE_PASSWORD);
        await page.keyboard.press('Enter');
        await page.locator('#status.info').waitFor();
        assert.match(await page.locator('#status').innerText(), /administrator asks you to choose a new password/);
        assert.equal(await page.locator('#change-form').isVisible(), true);
        assert.equal(await page.locator('#sign-in-form').isVisible(), false);
        await waitForFocus(page, 'password');
        assert.equal(await page.getByLabel('Current password').inputValue(), ALICE_PASSWORD, 'the current password is the one just typed');
        const box = await page.locator('#change-form button[type="submit"]').boundingBox();
        assert.ok(box !== null && box.x + box.width <= viewport.width, 'the button fits the width');
        assert.ok(
          await page.evaluate((width) => (globalThis as unknown as { document: PageDocument }).document.documentElement.scrollWidth <= width, viewport.width),
          'no sideways scrolling',
        );
        await page.screenshot({ path: screenshotPath(`forced-change-${size}-before`), fullPage: true });

        // A password the policy refuses: explained, nothing changed.
        await page.keyboard.type('short');
        await page.keyboard.press('Tab');
        assert.equal(await focusedId(page), 'confirm');
        await page.keyboard.type('short');
        await page.keyboard.press('Enter');
        await page.locator('#status.error').waitFor();
        assert.match(await page.locator('#status').innerText(), /not accepted/);
        await page.screenshot({ path: screenshotPath(`forced-change-${size}-error`), fullPage: true });

        // From the status message, Tab leads to the form again: current, then new password.
        await waitForFocus(page, 'status');
        await page.keyboard.press('Tab');
        assert.equal(await focusedId(page), 'current-password');
        await page.keyboard.press('Tab');
        assert.equal(await focusedId(page), 'password');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(NEW_PASSWORD);
        await page.keyboard.press('Tab');
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(NEW_PASSWORD);
        await page.keyboard.press('Enter');
        await page.locator('#status.success').waitFor();
        const done = await page.locator('#status').innerText();
        assert.match(done, new RegExp(`password has been changed for ${login}`));
        assert.equal(await page.getByRole('link', { name: 'Sign in', exact: true }).getAttribute('href'), 'change-password');
        assert.equal(await page.locator('#change-form').isVisible(), false);
        await page.screenshot({ path: screenshotPath(`forced-change-${size}-success`), fullPage: true });
        assert.deepEqual(sessionless, ['POST', 'POST'], 'both attempts went to auth/change-password, without a session');
        assert.deepEqual(
          consoleErrors.filter((e) => !/status of 40[01]/.test(e)),
          [],
        );
      } finally {
        await browser.close();
      }
      const api = request(running.base);
      await api.post('/auth/token').set(json).send({ login, password: ALICE_PASSWORD }).expect(401);
      await api.post('/auth/token').set(json).send({ login, password: NEW_PASSWORD }).expect(200);
    });
  }
});
