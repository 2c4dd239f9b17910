/**
 * The model: the documented rules of issue, redeem, change, sign-in, revoke and reinstate for one
 * user, as a pure function `step(config, state, op) -> outcomes`. Each outcome is an answer and the
 * state after it. There is exactly one outcome per op, except where the README allows two answers
 * under concurrency: 409 for a change that lost the race to another password write, or for an
 * issue whose token another op of the batch ended before the issue answered.
 *
 * Rules (README, issue 11): a reset lifts a lockout revocation but not an administrator's (the
 * password is still set, and the answer says the user stays revoked); revoking kills the user's
 * reset tokens and ends their sessions; each token may be refused for a reused password
 * `reuseBudget` times, then it dies; a revoked account answers any sign-in like an unknown login.
 */

export type Revocation = null | 'admin' | 'lockout';

/** Answers, the same for the service and for HTTP (the targets map theirs onto these). */
export type Answer =
  | 'ok'
  /** A reset that set the password of an account an administrator revoked: it stays revoked. */
  | 'ok-still-revoked'
  | 'invalid-token'
  /** `password-policy-violation`: a weak or reused new password. */
  | 'policy'
  /** `permission-denied`: the wrong current password on a change. */
  | 'denied'
  /** `user-revoked`: a revoked caller's change. */
  | 'revoked'
  /** `user-unauthenticated` on a change: the session is gone (HTTP only). */
  | 'unauthenticated'
  /** A refused sign-in: wrong password, revoked or locked account (all alike by default). */
  | 'invalid-credentials'
  /** `409 conflict`: a change that lost the race to another password write. */
  | 'conflict';

export type Op =
  | { readonly type: 'issue'; readonly user: number /** The reference this token gets. */; readonly token: number }
  | { readonly type: 'redeem'; readonly user: number; readonly token: number; readonly password: string }
  | {
      readonly type: 'change';
      readonly user: number;
      readonly current: string;
      readonly password: string /** The session it is sent with (HTTP), or null for none. */;
      readonly session: number | null;
    }
  | { readonly type: 'signin'; readonly user: number; readonly password: string /** The reference the session it starts gets. */; readonly session: number }
  | { readonly type: 'revoke'; readonly user: number }
  | { readonly type: 'reinstate'; readonly user: number };

export interface UserState {
  readonly password: string;
  /** Earlier passwords, newest first, at most `historySize`. */
  readonly history: readonly string[];
  readonly revoked: Revocation;
  readonly failed: number;
  /** The one live reset token (issuing supersedes the previous one), with its reused-password refusals. */
  readonly token: { readonly ref: number; readonly refusals: number } | null;
  /** Live sessions (HTTP targets only). */
  readonly sessions: readonly number[];
}

export type State = readonly UserState[];

export interface ModelConfig {
  readonly threshold: number;
  readonly reuseBudget: number;
  readonly historySize: number;
  /** Whether the target has sessions (the reference server) or not (the bare service). */
  readonly sessions: boolean;
}

export interface Outcome {
  readonly answer: Answer;
  readonly state: State;
}

/** A password the policy refuses by its rules alone (too short): refused before anything else, at no cost. */
export const WEAK_PASSWORD = 'Sh0rt!x';

export function initialUser(password: string): UserState {
  return { password, history: [], revoked: null, failed: 0, token: null, sessions: [] };
}

/**
 * What `op` may answer from `state`, and the state after. `racingWriter` says whether another
 * password write (redeem or change) runs in the same concurrent batch: only then may a change
 * answer 409 (it read the password before the other write and its compare-and-set lost).
 * `racingTokenKiller`: whether another
 * op of the batch ends tokens (an issue, a revoke, or a password write): only then may an issue
 * answer 409.
 */
export function step(config: ModelConfig, state: State, op: Op, racingWriter = false, racingTokenKiller = false, authenticated = false): Outcome[] {
  const user = state[op.user] as UserState;
  const next = (answer: Answer, changes: Partial<UserState> = {}): Outcome => ({ answer, state: state.map((u, i) => (i === op.user ? { ...u, ...changes } : u)) });
  const reused = (password: string) => password === user.password || user.history.includes(password);
  const written = (password: string): Partial<UserState> => ({ password, history: [user.password, ...user.history].slice(0, config.historySize), token: null });
  const failure = (): Partial<UserState> => {
    const failed = Math.min(user.failed + 1, config.threshold);
    return failed >= config.threshold ? { failed, revoked: 'lockout' } : { failed };
  };

  switch (op.type) {
    case 'issue': {
      const outcomes = [next('ok', { token: { ref: op.token, refusals: 0 } })];
      // Issue 18: an issue whose token is no longer outstanding, or whose stamp no longer binds the
      // hash, once inserted (another issue, a revoke, a redemption or a change came between) kills
      // its own token and answers 409, so a 200 always carries a live token. It has no effect: in
      // every such race the op that came between ended the older token anyway, so a 409 that
      // killed a token another issue handed out with a 200 stays unexplained, as it should.
      if (racingTokenKiller) outcomes.push(next('conflict'));
      return outcomes;
    }
    case 'redeem': {
      if (user.token?.ref !== op.token) return [next('invalid-token')];
      if (op.password === WEAK_PASSWORD) return [next('policy')];
      if (reused(op.password)) {
        const refusals = user.token.refusals + 1;
        return [next('policy', { token: refusals >= config.reuseBudget ? null : { ref: op.token, refusals } })];
      }
      // The password is set either way; only a lockout revocation is lifted. Every session ends.
      const lift = user.revoked !== 'admin';
      return [next(lift ? 'ok' : 'ok-still-revoked', { ...written(op.password), sessions: [], ...(lift ? { revoked: null, failed: 0 } : {}) })];
    }
    case 'change': {
      const live = op.session !== null && user.sessions.includes(op.session);
      if (config.sessions && !authenticated && !live) return [next('unauthenticated')];
      if (user.revoked !== null) return [next('revoked')];
      if (op.password === WEAK_PASSWORD) return [next('policy')];
      if (op.current !== user.password) return [next('denied', failure())];
      // The right current password clears the counter before the new one is judged.
      // The caller's own session is kept, if it still lives (it was authenticated earlier: see `authenticates`).
      const kept = config.sessions && live && op.session !== null ? [op.session] : [];
      const outcomes = reused(op.password) ? [next('policy', { failed: 0 })] : [next('ok', { ...written(op.password), failed: 0, sessions: kept })];
      // Lost to a concurrent password write (found when clearing the counter, or by the write's
      // compare-and-set): 409, nothing written. Clearing the counter then is moot: the write that won clears it too.
      if (racingWriter) outcomes.push(next('conflict', { failed: 0 }));
      return outcomes;
    }
    case 'signin': {
      if (user.revoked !== null) return [next('invalid-credentials')];
      if (op.password !== user.password) return [next('invalid-credentials', failure())];
      return [next('ok', { failed: 0, ...(config.sessions ? { sessions: [...user.sessions, op.session] } : {}) })];
    }
    case 'revoke':
      return [next('ok', { revoked: 'admin', token: null, sessions: [] })];
    case 'reinstate':
      return [next('ok', { revoked: null, failed: 0 })];
  }
}

/** Whether the op writes a password when it succeeds (for `racingWriter`). */
export function writesPassword(op: Op): boolean {
  return op.type === 'redeem' || op.type === 'change';
}

/**
 * Whether the op is a request authenticated by a session before it acts (a change over HTTP): it
 * then linearizes as two steps, the session check and the change, and other ops may come between
 * (a revoke or reset that ends the session after the check; the change then acts on what they left).
 */
export function authenticates(config: ModelConfig, op: Op): boolean {
  return config.sessions && op.type === 'change';
}

/** Whether the op may end the user's reset tokens (for `racingTokenKiller`). */
export function killsTokens(op: Op): boolean {
  return writesPassword(op) || op.type === 'issue' || op.type === 'revoke';
}

/** One line per op, for failure reports. */
export function describeOp(op: Op): string {
  const u = `u${op.user}`;
  switch (op.type) {
    case 'issue':
      return `issue(${u}) -> t${op.token}`;
    case 'redeem':
      return `redeem(${u}, t${op.token}, ${op.password})`;
    case 'change':
      return `change(${u}, current=${op.current}, new=${op.password}, session=${op.session === null ? '-' : `s${op.session}`})`;
    case 'signin':
      return `signin(${u}, ${op.password}) -> s${op.session}`;
    case 'revoke':
      return `revoke(${u})`;
    case 'reinstate':
      return `reinstate(${u})`;
  }
}
