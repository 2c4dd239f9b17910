/**
 * Debian's chromium through playwright-core for the page tests: whether it is there (the tests skip,
 * saying why, when it is not), a fresh profile per launch, and where screenshots go.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT } from './server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

/** false when chromium is there, else the reason to skip. */
export const browserSkip: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;

/** A headless chromium with a fresh profile (a persistent context is how Playwright takes a --user-data-dir). */
export async function launchChromium(options: { readonly javaScriptEnabled?: boolean; readonly viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'rbac-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...options,
  });
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
