/**
 * A client for the Have I Been Pwned "Pwned Passwords" range API (or a self-hosted mirror of it).
 * k-anonymity: only the first 5 hex characters of the password's SHA-1 leave the process; the
 * answer lists every known suffix of that prefix, and the match is made here. Padding is
 * requested, so the answer's size does not tell an observer which suffix was looked for.
 */
import { createHash } from 'node:crypto';
import { optionError, numberOption } from '../config/option-problems.ts';
import { BreachCheckError, type BreachCheckErrorMode, type BreachedPasswordChecker } from './checker.ts';

/** The public service. */
export const PWNED_PASSWORDS_URL = 'https://api.pwnedpasswords.com';

/** Options of `createPwnedPasswordsChecker`. */
export interface PwnedPasswordsOptions {
  /** Base URL; `range/<prefix>` is appended. Default the public service; point it at a mirror for air-gapped sites. */
  readonly baseUrl?: string;
  /** Milliseconds the whole request (answer and body) may take. Default 3000. */
  readonly timeoutMs?: number;
  /** What a failed check means. Default `'allow'` (logged and evented). */
  readonly onError?: BreachCheckErrorMode;
  /** How many breaches must list the password before it is refused. Default 1. */
  readonly minimumCount?: number;
  /** The fetch implementation (for a proxy agent, say). Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

// A padded range answer is about 40 KB; anything far past that is not a range file.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LINE = /^([0-9A-Fa-f]{35}):(\d{1,15})$/;

/** Creates the checker to pass as the `breachedPasswords` option. Throws at once on a bad option. */
export function createPwnedPasswordsChecker(options: PwnedPasswordsOptions = {}): BreachedPasswordChecker {
  const base = parseBaseUrl(options.baseUrl ?? PWNED_PASSWORDS_URL);
  const timeoutMs = numberOption('breachedPasswords.timeoutMs', options.timeoutMs, 3000, { min: 1, max: 60_000, integer: true, unit: 'ms' });
  const minimumCount = numberOption('breachedPasswords.minimumCount', options.minimumCount, 1, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
  const onError = options.onError ?? 'allow';
  if (onError !== 'allow' && onError !== 'refuse') optionError('breachedPasswords.onError', 'invalid-value', 'must be "allow" or "refuse".');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') optionError('breachedPasswords.fetch', 'invalid-value', 'must be a fetch function.');

  return {
    onError,
    async isBreached(password: string): Promise<boolean> {
      const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      const prefix = sha1.slice(0, 5);
      const suffix = sha1.slice(5);
      const body = await fetchRange(fetchImpl, new URL(`range/${prefix}`, base), timeoutMs);
      return countOf(body, suffix) >= minimumCount;
    },
  };
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return optionError('breachedPasswords.baseUrl', 'invalid-value', `must be an absolute http(s) URL, e.g. ${PWNED_PASSWORDS_URL}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') optionError('breachedPasswords.baseUrl', 'invalid-value', 'must use http or https.');
  if (url.search !== '' || url.hash !== '') optionError('breachedPasswords.baseUrl', 'invalid-value', 'must not have a query or fragment.');
  // Relative resolution keeps the mirror's path: https://mirror/pwned + range/ABCDE -> https://mirror/pwned/range/ABCDE.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function fetchRange(fetchImpl: typeof fetch, url: URL, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { 'Add-Padding': 'true', Accept: 'text/plain', 'User-Agent': 'express-rbac-password' }, signal });
  } catch (error) {
    throw signal.aborted ? timedOut(timeoutMs, error) : new BreachCheckError('network', 'the breached-password service could not be reached', { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new BreachCheckError('http-status', `the breached-password service answered HTTP ${response.status}`);
  }
  try {
    return await readCapped(response);
  } catch (error) {
    if (error instanceof BreachCheckError) throw error;
    throw signal.aborted ? timedOut(timeoutMs, error) : new BreachCheckError('network', 'the breached-password answer could not be read', { cause: error });
  }
}

async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BreachCheckError('too-large', 'the breached-password answer is too large to be a range file');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The breach count listed for `suffix`, 0 when absent (padding lines count 0 too). Any line that is not `SUFFIX:COUNT` makes the whole answer garbage. */
function countOf(body: string, suffix: string): number {
  let count = 0;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) throw new BreachCheckError('malformed-response', 'the breached-password answer is not a range file');
    if ((match[1] as string).toUpperCase() === suffix) count = Number(match[2]);
  }
  return count;
}

function timedOut(timeoutMs: number, cause: unknown): BreachCheckError {
  return new BreachCheckError('timeout', `the breached-password service did not answer within ${timeoutMs} ms`, { cause });
}
