/**
 * Runs the model against a target: each run makes two fresh users, then takes `steps` steps.
 * A step is one sequential op, checked against the model at once (answer and state after), or
 * (in concurrent mode) a batch of 2–3 ops on one user fired at once, checked by brute force over
 * their orders. The model's possible states are carried as a set, so hidden state (a token's
 * refusal count, the history) never has to be guessed.
 */
import { describeOp, initialUser, type Op, type State } from './rules.ts';
import { distinctStates, explain, type ObservedUser } from './linearize.ts';
import { OpGenerator } from './generate.ts';
import { seeded } from './prng.ts';
import type { Handles, Target, TargetUser } from './targets.ts';

export interface ModelRunOptions {
  readonly seed: number;
  readonly runs: number;
  readonly steps: number;
  /** Whether to fire batches (the concurrent phase) besides sequential ops. */
  readonly concurrent: boolean;
}

export interface ModelReport {
  readonly ops: number;
  readonly batches: number;
  readonly failures: readonly string[];
  readonly ms: number;
}

const MAX_TRIED_LINES = 24;

export async function runModel(target: Target, options: ModelRunOptions): Promise<ModelReport> {
  const started = performance.now();
  let ops = 0;
  let batches = 0;
  const failures: string[] = [];
  for (let run = 0; run < options.runs; run++) {
    const runSeed = options.seed + run;
    const rng = seeded(runSeed);
    const gen = new OpGenerator(rng, target.config);
    const first = [gen.freshPassword(), gen.freshPassword()];
    const users = await target.createUsers(first);
    const handles: Handles = { tokens: new Map(), sessions: new Map() };
    let states: State[] = [first.map((password) => initialUser(password))];
    const context = () => `target ${target.name}, MODEL_SEED=${runSeed} (run ${run} of seed ${options.seed}; replay with MODEL_SEED=${runSeed} MODEL_RUNS=1)`;

    /** Runs `batch` (one op: sequentially), observes, and narrows `states`; a string says why it failed. */
    const check = async (batch: readonly Op[], step: number): Promise<string | null> => {
      const results = await Promise.all(batch.map((op) => target.run(op, users, handles)));
      for (const [i, op] of batch.entries()) {
        const result = results[i];
        gen.executed(op, result?.answer ?? '');
        if (result?.secret === undefined) continue;
        if (op.type === 'issue') handles.tokens.set(op.token, result.secret);
        if (op.type === 'signin') handles.sessions.set(op.session, result.secret);
      }
      ops += batch.length;
      const observed = await observeAll(target, users, handles, states, batch);
      const answers = results.map((r) => r.answer);
      const verdict = explain(target.config, states, batch, answers, observed);
      if (verdict.explanations.length > 0) {
        states = distinctStates(verdict.explanations.map((e) => e.state));
        return null;
      }
      const lines = [
        `${batch.length === 1 ? 'sequential op' : 'concurrent batch'} unexplained at step ${step}: ${context()}`,
        `  ops:`,
        ...batch.map((op, i) => `    #${i} ${describeOp(op)} -> ${results[i]?.raw} (${results[i]?.answer})`),
        `  observed after: ${JSON.stringify(observed.map(printable))}`,
        `  model states before: ${JSON.stringify(states)}`,
        `  orders tried (${verdict.tried.length}):`,
        ...verdict.tried.slice(0, MAX_TRIED_LINES).map((line) => `    ${line}`),
      ];
      return lines.join('\n');
    };

    for (let step = 0; step < options.steps; step++) {
      const state = states[0] as State;
      let failure: string | null = null;
      if (options.concurrent && rng.chance(0.5)) {
        const { setup, ops: batch } = gen.batch(state);
        for (const op of setup) {
          failure = await check([op], step);
          if (failure !== null) break;
        }
        if (failure === null) {
          batches += 1;
          failure = await check(batch, step);
        }
      } else {
        failure = await check([gen.sequential(state)], step);
      }
      if (failure !== null) {
        failures.push(failure);
        break;
      }
    }
  }
  return { ops, batches, failures, ms: performance.now() - started };
}

/** Observes both users, probing every token and session any candidate state or the batch names. */
async function observeAll(target: Target, users: readonly TargetUser[], handles: Handles, states: readonly State[], batch: readonly Op[]): Promise<ObservedUser[]> {
  return Promise.all(
    users.map((user, index) => {
      const tokens = new Set<number>();
      const sessions = new Set<number>();
      const passwords = new Set<string>();
      for (const state of states) {
        const u = state[index];
        if (u === undefined) continue;
        if (u.token !== null) tokens.add(u.token.ref);
        for (const s of u.sessions) sessions.add(s);
        passwords.add(u.password);
      }
      for (const op of batch) {
        if (op.user !== index) continue;
        if (op.type === 'issue' || op.type === 'redeem') tokens.add(op.token);
        if (op.type === 'signin') sessions.add(op.session);
        if (op.type === 'change' && op.session !== null) sessions.add(op.session);
        if (op.type === 'redeem' || op.type === 'change') passwords.add(op.password);
      }
      return target.observe(user, { tokens: [...tokens], sessions: [...sessions], passwords: [...passwords] }, handles);
    }),
  );
}

function printable(user: ObservedUser): Record<string, unknown> {
  return { ...user, tokens: Object.fromEntries([...user.tokens].map(([k, v]) => [`t${k}`, v])), sessions: Object.fromEntries([...user.sessions].map(([k, v]) => [`s${k}`, v])) };
}

/** The one-line summary a test logs. */
export function summary(target: Target, mode: string, report: ModelReport): string {
  return `model ${mode} on ${target.name}: ${report.ops} ops, ${report.batches} concurrent batches, ${report.failures.length} unexplained, ${Math.round(report.ms)} ms`;
}
