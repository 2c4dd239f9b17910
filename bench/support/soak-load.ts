/**
 * The soak's mixed load: workers pick a free account at random (seeded) and do one of: sign in
 * with its password, sign in with a wrong one, change its password signed in, have the admin issue
 * a reset token and redeem it, or have the admin issue one and leave it. Every answer is checked
 * against the ledger (soak-client.ts) as it comes; `verify` checks the whole ledger after a restart.
 */
import { type Account, call, count, describe, type Outcome, settle, type Tally } from './soak-client.ts';

export const ADMIN_PASSWORD = 'Soak-Admin-Passw0rd!';
const WRONG_PASSWORD = 'Not-The-Right-One-9!';
/** Wrong sign-ins in a row an account may get: well below the lockout's 10. */
const MAX_FAILURES = 4;

/** A seeded PRNG (mulberry32): the same seed makes the same choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Operation = 'sign-in' | 'wrong-sign-in' | 'change' | 'reset' | 'issue-only';
const WEIGHTS: ReadonlyArray<readonly [Operation, number]> = [
  ['sign-in', 30],
  ['wrong-sign-in', 15],
  ['change', 25],
  ['reset', 25],
  ['issue-only', 5],
];

export class SoakLoad {
  base = '';
  /** Set just before the server is killed or stopped: no answer is then expected, not a problem. */
  expectingLoss = false;
  readonly redeemed: string[] = [];
  #adminToken: string | undefined;
  #passwords = 0;
  #stop = false;
  #workers: Promise<void>[] = [];
  #inFlight = 0;
  /** While set, each answer (or its absence) is recorded with whether its request was sent before `watch.since`. */
  watch: { since: number; outcomes: Array<{ sentBefore: boolean; outcome: Outcome }> } | undefined;

  constructor(
    readonly accounts: Account[],
    readonly random: () => number,
    readonly tally: Tally,
    readonly seed: number,
  ) {}

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts `workers` loops against `base`. */
  start(base: string, workers: number): void {
    this.base = base;
    this.#adminToken = undefined;
    this.#stop = false;
    this.expectingLoss = false;
    this.#workers = Array.from({ length: workers }, () => this.#work());
  }

  /** Lets each worker finish its current operation and waits for them. */
  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#workers);
  }

  /** After a restart: every account signs in with its acknowledged password, every redeemed token is refused. */
  async verify(base: string, label: string): Promise<{ accounts: number; tokens: number }> {
    this.base = base;
    const problemsBefore = this.tally.problems.length;
    for (const account of this.accounts) await settle(base, account, this.tally);
    const tokens = [...this.redeemed];
    // Four at a time: hundreds of tokens, each a cheap refusal.
    for (let start = 0; start < tokens.length; start += 4) {
      await Promise.all(tokens.slice(start, start + 4).map((token) => this.#checkRefused(token, label)));
    }
    const found = this.tally.problems.slice(problemsBefore);
    for (let i = 0; i < found.length; i++) this.tally.problems[problemsBefore + i] = `${label}: ${found[i]}`;
    return { accounts: this.accounts.length, tokens: tokens.length };
  }

  async #checkRefused(token: string, label: string): Promise<void> {
    const fresh = this.#newPassword();
    const answer = await call(this.base, 'POST', '/auth/reset', { token, password: fresh });
    if (answer.status === 403) return;
    this.tally.problems.push(`a redeemed reset token answered ${describe(answer)} instead of 403 (${label})`);
    if (answer.status === 200) {
      // It set a password after all: follow it, so the next checks stay meaningful.
      const owner = this.accounts.find((account) => account.id === tokenSubject(token));
      if (owner !== undefined) owner.password = fresh;
    }
  }

  #newPassword(): string {
    this.#passwords += 1;
    return `Soak-${this.seed}-${this.#passwords}-Lamp!q`;
  }

  async #work(): Promise<void> {
    // No new operation once the server is going down: only those in flight see it.
    while (!this.#stop && !this.expectingLoss) {
      const free = this.accounts.filter((account) => !account.busy);
      const account = free[Math.floor(this.random() * free.length)];
      if (account === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const operation = this.#pick();
      account.busy = true;
      try {
        await this.#run(operation, account);
      } finally {
        account.busy = false;
      }
    }
  }

  #pick(): Operation {
    let roll = this.random() * WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [operation, weight] of WEIGHTS) {
      roll -= weight;
      if (roll < 0) return operation;
    }
    return 'sign-in';
  }

  async #send(method: string, path: string, body?: unknown, auth?: string): Promise<Outcome> {
    this.#inFlight += 1;
    const sent = Date.now();
    try {
      const outcome = await call(this.base, method, path, body, auth);
      if (this.watch !== undefined) this.watch.outcomes.push({ sentBefore: sent < this.watch.since, outcome });
      return outcome;
    } finally {
      this.#inFlight -= 1;
    }
  }

  #signIn(login: string, password: string): Promise<Outcome> {
    return this.#send('POST', '/auth/token', { login, password });
  }

  /** Counts the outcome; a 5xx other than the pool's 503, or no answer while the server was up, is a problem. */
  #note(operation: string, outcome: Outcome): void {
    count(this.tally, `${operation} ${outcome.status === 0 ? `no answer${this.expectingLoss ? '' : ' (unexpected)'}` : outcome.status}`);
    if (outcome.status === 0 && !this.expectingLoss) this.tally.problems.push(`${operation}: no answer (${outcome.error}) while the server was up`);
    if (outcome.status >= 500 && outcome.status !== 503) this.tally.problems.push(`${operation}: ${describe(outcome)}`);
  }

  async #run(operation: Operation, account: Account): Promise<void> {
    if (account.unsure.length > 0) {
      // A change whose answer was lost: find out first which password is current.
      if ((await settle(this.base, account, this.tally, this.expectingLoss)) === undefined) return;
    }
    switch (operation) {
      case 'sign-in': {
        const answer = await this.#timed('sign-in', () => this.#signIn(account.login, account.password));
        if (answer.status === 200) account.failures = 0;
        else if (answer.status === 401) this.tally.problems.push(`${account.login}: its acknowledged password was refused during the load`);
        return;
      }
      case 'wrong-sign-in': {
        if (account.failures >= MAX_FAILURES) return;
        account.failures += 1;
        const answer = await this.#timed('wrong-sign-in', () => this.#signIn(account.login, WRONG_PASSWORD));
        if (answer.status >= 200 && answer.status < 300) this.tally.problems.push(`${account.login}: a wrong password signed in`);
        return;
      }
      case 'change': {
        const session = await this.#timed('change: sign-in', () => this.#signIn(account.login, account.password));
        if (session.status !== 200) return;
        account.failures = 0;
        const next = this.#newPassword();
        const answer = await this.#timed('change', () =>
          this.#send('PUT', '/users/current/password', { current_password: account.password, password: next }, String(session.body['token'])),
        );
        this.#follow(account, next, answer, 'change');
        return;
      }
      case 'reset':
      case 'issue-only': {
        const issued = await this.#asAdmin('issue', (token) => this.#send('POST', `/users/${account.id}/password/reset`, undefined, token));
        if (issued.status !== 200 || operation === 'issue-only') return;
        const resetToken = String(issued.body['token']);
        const next = this.#newPassword();
        const answer = await this.#timed('reset', () => this.#send('POST', '/auth/reset', { token: resetToken, password: next }));
        this.#follow(account, next, answer, 'reset');
        if (answer.status === 200) this.redeemed.push(resetToken);
        return;
      }
    }
  }

  /** Updates the ledger after a change or reset to `next`. */
  #follow(account: Account, next: string, answer: Outcome, what: string): void {
    if (answer.status === 200) {
      account.password = next;
      account.unsure = [];
      account.failures = 0;
      count(this.tally, `acknowledged ${what}`);
    } else if (answer.status === 0) {
      account.unsure.push(next);
    } else if (answer.status !== 429 && answer.status !== 503) {
      this.tally.problems.push(`${account.login}: ${what} answered ${describe(answer)}`);
    }
  }

  async #timed(operation: string, send: () => Promise<Outcome>): Promise<Outcome> {
    const outcome = await send();
    this.#note(operation, outcome);
    return outcome;
  }

  /** An admin call; signs the admin in first, and again when the session was lost (a restart keeps it, though). */
  async #asAdmin(operation: string, send: (token: string) => Promise<Outcome>): Promise<Outcome> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.#adminToken === undefined) {
        const session = await this.#timed('admin sign-in', () => this.#signIn('admin', ADMIN_PASSWORD));
        if (session.status !== 200) return session;
        this.#adminToken = String(session.body['token']);
      }
      const answer = await send(this.#adminToken);
      if (answer.status === 401 && attempt === 0) {
        this.#adminToken = undefined;
        continue;
      }
      this.#note(operation, answer);
      return answer;
    }
    return { status: 0, body: {}, error: 'unreachable' };
  }
}

/** The `sub` claim of a reset token (a JWT), to know whose password a wrongly accepted one set. */
function tokenSubject(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}
