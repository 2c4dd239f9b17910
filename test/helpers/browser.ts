/**
 * Debian's chromium through playwright-core for the page tests: whether it is there (the tests skip,
 * saying why, when it is not), a fresh browser context per test, and where screenshots go.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from './server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

/** false when chromium is there, else the reason to skip. */
export const browserSkip: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;

let shared: Promise<Browser> | undefined;
let rootHookRan = false;

/**
 * Registers an `after` hook that closes the shared browser. The first one goes on the process's
 * root, when a page test file loads this helper. node:test runs root `after` hooks as soon as the
 * tests registered so far are done, which in a group process (test-group.ts) can be before a later
 * file's tests: a browser launched after that gets its hook on the test that launched it.
 */
function closeWhenDone(): void {
  after(async () => {
    rootHookRan = true;
    const launched = shared;
    shared = undefined;
    await (await launched?.catch(() => undefined))?.close();
  });
}
closeWhenDone();

/**
 * A new browser context, as isolated as a fresh profile (its own cookies, storage and cache), in the
 * process's one headless chromium, launched on first use: a launch costs more than a second of CPU.
 * Close the context when done; the browser closes when the process's tests end.
 */
export async function launchChromium(options: { readonly javaScriptEnabled?: boolean; readonly viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  if (shared === undefined) {
    if (rootHookRan) closeWhenDone();
    const launching = (async () => {
      const { chromium } = await import('playwright-core');
      mkdirSync(ARTIFACTS, { recursive: true });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      // A browser that crashed or was closed is not handed out again: the next call launches one.
      browser.on('disconnected', () => {
        if (shared === launching) shared = undefined;
      });
      return browser;
    })();
    shared = launching;
  }
  return (await shared).newContext(options);
}

/**
 * The context's first tab, recording what the page tests check afterwards: the console errors
 * (a Content-Security-Policy violation shows there) and every URL the page requested (a token must
 * never be in one).
 */
export async function watchedPage(browser: BrowserContext): Promise<{ page: Page; consoleErrors: string[]; requested: string[] }> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const requested: string[] = [];
  page.on('request', (req) => requested.push(req.url()));
  return { page, consoleErrors, requested };
}

/** Saves a full-page screenshot as test/artifacts/<name>.png. */
export function screenshotPath(name: string): string {
  return path.join(ARTIFACTS, `${name}.png`);
}
