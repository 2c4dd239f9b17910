/**
 * Brute-force linearizability: a batch of concurrent ops is explained when some order of them,
 * run through the model from some state the history allows, gives every observed answer and ends
 * in the observed state (revocation, counter, password, which tokens and sessions live).
 */
import { authenticates, describeOp, killsTokens, step, writesPassword, type ModelConfig, type Op, type State, type UserState } from './rules.ts';

/** What the target showed of one user after a step. Tokens and sessions: only those probed. */
export interface ObservedUser {
  readonly revoked: UserState['revoked'];
  readonly failed: number;
  /** The candidate password the stored hash matches, or null for none of them. */
  readonly password: string | null;
  readonly tokens: ReadonlyMap<number, boolean>;
  readonly sessions: ReadonlyMap<number, boolean>;
}

/** Why `state` does not look like `observed`, or null when it does. */
export function stateDiff(state: State, observed: readonly ObservedUser[]): string | null {
  const diffs: string[] = [];
  observed.forEach((seen, i) => {
    const model = state[i] as UserState;
    if (seen.revoked !== model.revoked) diffs.push(`u${i} revoked: saw ${seen.revoked}, model ${model.revoked}`);
    if (seen.failed !== model.failed) diffs.push(`u${i} failed attempts: saw ${seen.failed}, model ${model.failed}`);
    if (seen.password !== model.password) diffs.push(`u${i} password: saw ${seen.password}, model ${model.password}`);
    for (const [ref, live] of seen.tokens) {
      if (live !== (model.token?.ref === ref)) diffs.push(`u${i} token t${ref}: saw ${live ? 'live' : 'dead'}, model ${live ? 'dead' : 'live'}`);
    }
    for (const [ref, live] of seen.sessions) {
      if (live !== model.sessions.includes(ref)) diffs.push(`u${i} session s${ref}: saw ${live ? 'live' : 'dead'}, model ${live ? 'dead' : 'live'}`);
    }
  });
  return diffs.length === 0 ? null : diffs.join('; ');
}

export interface Explanation {
  /** Op indexes in order; `#2 auth` marks where a session-authenticated op checked its session. */
  readonly order: readonly string[];
  readonly state: State;
}

export interface Verdict {
  /** Every order (with its answers) that explains the batch, and the state it ends in. */
  readonly explanations: readonly Explanation[];
  /** For the report: each order tried, and where it parted from what was seen. */
  readonly tried: readonly string[];
}

/**
 * Tries every order of `ops` from every state in `from`. An op that `authenticates` takes two
 * steps in an order (its session check, later its action), so its check may come before an op
 * that ends its session and its action after it.
 */
export function explain(config: ModelConfig, from: readonly State[], ops: readonly Op[], answers: readonly string[], observed: readonly ObservedUser[]): Verdict {
  const explanations: Explanation[] = [];
  const tried: string[] = [];
  const racing = (i: number, kind: (op: Op) => boolean) => ops.some((other, j) => j !== i && kind(other));
  const walk = (state: State, order: string[], remaining: number[], authed: number[], trail: string[]) => {
    if (remaining.length === 0 && authed.length === 0) {
      const diff = stateDiff(state, observed);
      if (diff === null) explanations.push({ order: [...order], state });
      else tried.push(`${trail.join(' ; ')} => final state differs: ${diff}`);
      return;
    }
    const without = (list: number[], i: number) => list.filter((j) => j !== i);
    for (const i of remaining) {
      const op = ops[i] as Op;
      if (authenticates(config, op)) {
        const live = op.type === 'change' && op.session !== null && (state[op.user] as UserState).sessions.includes(op.session);
        if (live) {
          walk(state, [...order, `${i} auth`], without(remaining, i), [...authed, i], [...trail, `#${i} session check`]);
          continue;
        }
        // A dead session: the request ends here, with a 401, and changes nothing.
        if (answers[i] === 'unauthenticated') walk(state, [...order, String(i)], without(remaining, i), authed, [...trail, `#${i} ${describeOp(op)}: unauthenticated`]);
        else tried.push(`${[...trail, `#${i} ${describeOp(op)}`].join(' ; ')} => model answers unauthenticated, saw ${answers[i]}`);
        continue;
      }
      act(state, order, without(remaining, i), authed, trail, i, false);
    }
    for (const i of authed) act(state, order, remaining, without(authed, i), trail, i, true);
  };
  const act = (state: State, order: string[], remaining: number[], authed: number[], trail: string[], i: number, authenticated: boolean) => {
    const op = ops[i] as Op;
    const outcomes = step(config, state, op, racing(i, writesPassword), racing(i, killsTokens), authenticated);
    const fitting = outcomes.filter((o) => o.answer === answers[i]);
    if (fitting.length === 0) {
      tried.push(`${[...trail, `#${i} ${describeOp(op)}`].join(' ; ')} => model answers ${outcomes.map((o) => o.answer).join('|')}, saw ${answers[i]}`);
      return;
    }
    for (const outcome of fitting) walk(outcome.state, [...order, String(i)], remaining, authed, [...trail, `#${i} ${describeOp(op)}: ${outcome.answer}`]);
  };
  for (const state of from)
    walk(
      state,
      [],
      ops.map((_, i) => i),
      [],
      [],
    );
  return { explanations, tried };
}

/** The distinct states, so a history with several explanations does not grow without need. */
export function distinctStates(states: readonly State[]): State[] {
  const seen = new Map<string, State>();
  for (const state of states) seen.set(JSON.stringify(state), state);
  return [...seen.values()];
}
