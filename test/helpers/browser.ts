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

// Registered when the first page test file loads this helper, so on the process's root: the one
// browser closes after the last test of every file the process runs.
after(async () => {
  const launched = shared;
  shared = undefined;
  await (await launched?.catch(() => undefined))?.close();
});

/**
 * A new browser context, as isolated as a fresh profile (its own cookies, storage and cache), in the
 * process's one headless chromium, launched on first use: a launch costs more than a second of CPU.
 * Close the context when done; the browser closes when the process's tests end.
 */
export async function launchChromium(options: { readonly javaScriptEnabled?: boolean; readonly viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  shared ??= (async () => {
    const { chromium } = await import('playwright-core');
    mkdirSync(ARTIFACTS, { recursive: true });
    return chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  })();
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
