/**
 * The seeded generator of ops: sequential ops on one of two users, and concurrent batches of 2–3
 * ops on one user. About half of the batches follow a template aimed at a known kind of race
 * (a sign-in against a revoke, reset or change; failures and a success around the lockout
 * threshold; an issue against a redemption of the older token); the rest are random.
 */
import type { Random } from './prng.ts';
import { WEAK_PASSWORD, type ModelConfig, type Op, type State, type UserState } from './rules.ts';

export const WRONG_PASSWORD = 'Wrong-Guess-Lamp-99!';

export class OpGenerator {
  readonly #rng: Random;
  readonly #config: ModelConfig;
  #tokens = 0;
  #sessions = 0;
  #passwords = 0;
  /** Token refs issued per user, oldest first (only those whose issue answered). */
  readonly issued: number[][] = [[], []];
  /** Session refs started per user, oldest first. */
  readonly started: number[][] = [[], []];

  constructor(rng: Random, config: ModelConfig) {
    this.#rng = rng;
    this.#config = config;
  }

  /** A password never used before in this run. */
  freshPassword(): string {
    this.#passwords += 1;
    return `Pw-${this.#passwords}-Garden-Lamp!`;
  }

  /** Records what an executed op handed out, so later ops can use it. */
  executed(op: Op, answer: string): void {
    if (op.type === 'issue' && answer === 'ok') this.issued[op.user]?.push(op.token);
    if (op.type === 'signin' && answer === 'ok') this.started[op.user]?.push(op.session);
  }

  /** One sequential op on either user. */
  sequential(state: State): Op {
    const user = this.#rng.int(state.length);
    return this.#randomOp(state, user);
  }

  /** Sequential ops that bring `user` where the batch template needs it, then the batch. */
  batch(state: State): { setup: Op[]; ops: Op[] } {
    const user = this.#rng.int(state.length);
    const u = state[user] as UserState;
    const rng = this.#rng;
    const setup: Op[] = [];
    let reinstated = false;
    const active = () => {
      if (u.revoked !== null && !reinstated) setup.push({ type: 'reinstate', user });
      reinstated = true;
    };
    const withToken = () => {
      if (u.token === null || u.revoked === 'admin') {
        active();
        setup.push(this.#issue(user));
      }
    };
    // Passwords as they will be once the setup ran (a reinstate keeps the password).
    const password = u.password;
    switch (rng.int(8)) {
      case 0: {
        // A sign-in (right password) racing what must end its session.
        active();
        const other = rng.int(3);
        if (other === 1) withToken();
        const racer: Op =
          other === 0
            ? { type: 'revoke', user }
            : other === 1
              ? { type: 'redeem', user, token: this.#pendingToken(user, setup), password: this.freshPassword() }
              : { type: 'change', user, current: password, password: this.freshPassword(), session: this.#ensureSession(user, password, setup) };
        return { setup, ops: rng.chance(0.5) ? [this.#signin(user, password), racer] : [racer, this.#signin(user, password)] };
      }
      case 1: {
        // Around the lockout threshold: failures and a success at once, counter one below the last step.
        active();
        const session = this.#ensureSession(user, password, setup);
        for (let i = 0; i < this.#config.threshold - 2; i++) setup.push({ type: 'signin', user, password: WRONG_PASSWORD, session: this.#nextSessionRef() });
        const success: Op = rng.chance(0.5) ? { type: 'change', user, current: password, password: this.freshPassword(), session } : this.#signin(user, password);
        const failures: Op[] = [
          rng.chance(0.5)
            ? { type: 'change', user, current: WRONG_PASSWORD, password: this.freshPassword(), session }
            : { type: 'signin', user, password: WRONG_PASSWORD, session: this.#nextSessionRef() },
          { type: 'signin', user, password: WRONG_PASSWORD, session: this.#nextSessionRef() },
        ];
        return { setup, ops: shuffle(rng, [success, ...failures]) };
      }
      case 2: {
        // An issue racing a redemption of the token it supersedes.
        withToken();
        const token = this.#pendingToken(user, setup);
        return { setup, ops: shuffle(rng, [{ type: 'redeem', user, token, password: this.freshPassword() }, this.#issue(user)]) };
      }
      case 3: {
        // Two password writes at once.
        active();
        withToken();
        const token = this.#pendingToken(user, setup);
        const session = this.#ensureSession(user, password, setup);
        return {
          setup,
          ops: shuffle(rng, [
            { type: 'redeem', user, token, password: this.freshPassword() },
            { type: 'change', user, current: password, password: this.freshPassword(), session },
          ]),
        };
      }
      default: {
        const count = 2 + rng.int(2);
        const ops: Op[] = [];
        for (let i = 0; i < count; i++) ops.push(this.#randomOp(state, user));
        return { setup, ops };
      }
    }
  }

  #randomOp(state: State, user: number): Op {
    const rng = this.#rng;
    const u = state[user] as UserState;
    const roll = rng.next();
    const issued = this.issued[user] as number[];
    if (roll < 0.13) return this.#issue(user);
    if (roll < 0.33) {
      if (issued.length === 0) return this.#issue(user);
      const token = rng.chance(0.75) ? (issued[issued.length - 1] as number) : (rng.pick(issued) as number);
      return { type: 'redeem', user, token, password: this.#newPassword(u) };
    }
    if (roll < 0.53) {
      const session = this.#latestSession(user);
      const current = rng.chance(0.65) ? u.password : WRONG_PASSWORD;
      return { type: 'change', user, current, password: this.#newPassword(u), session };
    }
    if (roll < 0.83) return this.#signin(user, rng.chance(0.55) ? u.password : rng.chance(0.7) || u.history.length === 0 ? WRONG_PASSWORD : rng.pick(u.history));
    if (roll < 0.91) return { type: 'revoke', user };
    return { type: 'reinstate', user };
  }

  #newPassword(u: UserState): string {
    const roll = this.#rng.next();
    if (roll < 0.1) return WEAK_PASSWORD;
    if (roll < 0.18) return u.password;
    if (roll < 0.26 && u.history.length > 0) return this.#rng.pick(u.history);
    return this.freshPassword();
  }

  #issue(user: number): Op {
    return { type: 'issue', user, token: ++this.#tokens };
  }

  #signin(user: number, password: string): Op {
    return { type: 'signin', user, password, session: this.#nextSessionRef() };
  }

  #nextSessionRef(): number {
    return ++this.#sessions;
  }

  /** The token the setup issues, else the newest one issued. */
  #pendingToken(user: number, setup: readonly Op[]): number {
    const issue = [...setup].reverse().find((op) => op.type === 'issue' && op.user === user);
    if (issue !== undefined && issue.type === 'issue') return issue.token;
    return this.issued[user]?.at(-1) ?? -1;
  }

  #latestSession(user: number): number | null {
    return this.started[user]?.at(-1) ?? null;
  }

  /** A session for a change in the batch: a sign-in in the setup (so it is live). */
  #ensureSession(user: number, password: string, setup: Op[]): number | null {
    if (!this.#config.sessions) return null;
    const session = this.#nextSessionRef();
    setup.push({ type: 'signin', user, password, session });
    return session;
  }
}

function shuffle<T>(rng: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
