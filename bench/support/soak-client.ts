/**
 * The soak's client: the reference server's routes as calls that never throw, and a ledger of
 * what the server acknowledged. A password change or reset answered 2xx is acknowledged: that
 * password must sign in from then on, crashes or not. One that got no answer (the server died
 * under it) may or may not have happened, so both passwords stay possible until a sign-in tells.
 * A reset token whose redemption was answered 200 must be refused forever after.
 */

/** What a call got: an answer, or no answer (status 0; `error` names why: ECONNRESET, ECONNREFUSED, ...). */
export interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly error?: string;
}

export interface Account {
  readonly login: string;
  readonly id: string;
  /** The last acknowledged password (or the seed's). */
  password: string;
  /** Passwords of changes that got no answer: one of them may be the current one instead. */
  unsure: string[];
  /** Wrong sign-ins since the last good one, answered or not, kept below the lockout. */
  failures: number;
  busy: boolean;
}

/** The soak's observations; `problems` are what the issue says must never happen. */
export interface Tally {
  readonly counts: Record<string, number>;
  readonly problems: string[];
}

export function newTally(): Tally {
  return { counts: {}, problems: [] };
}

export function count(tally: Tally, what: string): void {
  tally.counts[what] = (tally.counts[what] ?? 0) + 1;
}

/** Calls `base + path`; JSON in and out. Aborts after `timeoutMs` (counted as no answer). */
export async function call(base: string, method: string, path: string, body?: unknown, auth?: string, timeoutMs = 30_000): Promise<Outcome> {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth === undefined ? {} : { 'x-authentication': auth }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      parsed = { text: text.slice(0, 200) };
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : (error as Error).name;
    return { status: 0, body: {}, error: code };
  }
}

export const signIn = (base: string, login: string, password: string): Promise<Outcome> => call(base, 'POST', '/auth/token', { login, password });

/**
 * Finds which of an account's possible passwords is its current one, by signing in with each
 * (the acknowledged one first). Answers the token, or a problem when none signs in.
 */
export async function settle(base: string, account: Account, tally: Tally, expectingLoss = false): Promise<string | undefined> {
  for (const candidate of [account.password, ...account.unsure.slice().reverse()]) {
    const answer = await signIn(base, account.login, candidate);
    if (answer.status === 200) {
      if (candidate !== account.password) count(tally, 'unacknowledged change found applied');
      else if (account.unsure.length > 0) count(tally, 'unacknowledged change found not applied');
      account.password = candidate;
      account.unsure = [];
      account.failures = 0;
      return String(answer.body['token']);
    }
    if (answer.status === 0 && expectingLoss) return undefined;
    if (answer.status !== 401) {
      tally.problems.push(`${account.login}: sign-in while verifying answered ${describe(answer)}`);
      return undefined;
    }
    account.failures += 1;
  }
  tally.problems.push(`${account.login}: its acknowledged password no longer signs in (nor any unacknowledged one)`);
  return undefined;
}

export function describe(outcome: Outcome): string {
  return outcome.status === 0 ? `no answer (${outcome.error})` : `${outcome.status} ${String(outcome.body['kind'] ?? '')}`.trim();
}
