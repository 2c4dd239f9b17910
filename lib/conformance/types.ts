/**
 * Types of the conformance suite: what an adapter author hands in (a store factory, and a second
 * one that opens another instance on the same data) and what they get back (cases with stable
 * ids to run from any test runner).
 */
import type { PasswordUser, TokenStore, UserStore } from '../types.ts';

/** A user the suite asks the factory to create. */
export interface ConformanceUserInput {
  /** Unique per call. */
  readonly login: string;
  readonly passwordHash: string | null;
  /** Omitted means false. */
  readonly isRemote?: boolean;
  /** Omitted means false. */
  readonly isRevoked?: boolean;
  /** Given only by the `findByEmail` cases (which run only when the store has `findByEmail`); store it as it is. */
  readonly email?: string;
}

/**
 * One pair of stores: what one app instance holds. A second pair opened by
 * `createSecondPair` must share the first pair's backing data (the same database, the same
 * Redis) but nothing in process memory: its own pool or client, its own store objects.
 */
export interface ConformanceStorePair {
  readonly userStore: UserStore;
  readonly tokenStore: TokenStore;
  /** Called after the case, before the first pair's `cleanup`: close this pair's connections. */
  cleanup?(): Promise<void> | void;
}

/** Fresh stores for one case. The suite never shares them between cases. */
export interface ConformanceStores extends ConformanceStorePair {
  /** Creates a user in the store's backing data (outside the `UserStore` contract, which has no create). */
  createUser(input: ConformanceUserInput): Promise<PasswordUser>;
  /**
   * Clears only the user's revoked flag in the backing data, leaving the failed-attempt counter
   * alone, the way the host's own admin screen (or another app writing the same column) would.
   * Needed by `user.lockout-after-outside-reinstatement`; without it that case fails with a
   * message saying so (implement it or skip the case).
   */
  clearRevokedFlag?(userId: string): Promise<void> | void;
  /** Called after the case, passed or failed: drop schemas, close connections. */
  cleanup?(): Promise<void> | void;
}

/** Options of `conformanceCases`. */
export interface ConformanceOptions<S extends ConformanceStores = ConformanceStores> {
  /** Called once per case; each call must give empty, independent stores. */
  readonly createStores: () => Promise<S>;
  /**
   * Opens a second, independent pair of stores on the same backing data as `first`: a second
   * pool or client, the way a second app server would. Every concurrency case then splits its
   * concurrent calls across both pairs, so an adapter that is atomic only inside one process
   * (an in-process lock, a get-then-set) fails. This is the way to run the suite: without it,
   * "passes the concurrency cases" means only "correct within one process".
   */
  readonly createSecondPair?: (first: S) => Promise<ConformanceStorePair>;
  /**
   * Why the stores run single-pair when `createSecondPair` cannot exist (the memory stores keep
   * their data in one process). Shown in the names of the concurrency cases. Not allowed
   * together with `createSecondPair`.
   */
  readonly singlePairReason?: string;
  /**
   * Cases to skip: ids (`token.redeem-concurrent`), or prefixes ending in `*` (`user.lockout-*`).
   * A map gives each a reason for the runner's output. An entry that matches no case throws,
   * so a typo cannot silently skip nothing.
   */
  readonly skip?: readonly string[] | Readonly<Record<string, string>>;
  /** How many concurrent redeems the concurrency case fires. Default 50. */
  readonly concurrentRedeems?: number;
  /** How many concurrent failed attempts the counting case fires. Default 20. */
  readonly concurrentAttempts?: number;
}

/** One runnable case. */
export interface ConformanceCase {
  /** Stable id, `user.*` or `token.*`: safe to list in `skip`. */
  readonly id: string;
  /**
   * `<id>: <what it checks>`, for the runner's output. A concurrency case run on one store pair
   * ends with `[one store pair: <reason>]`, since it then proves atomicity in one process only.
   */
  readonly name: string;
  /** False, or the reason this case is skipped. */
  readonly skip: false | string;
  /** True for the cases that fire concurrent calls (split across both pairs when there are two). */
  readonly concurrent: boolean;
  /** How many store pairs the case runs on: 2 with `createSecondPair`, else 1. */
  readonly pairs: 1 | 2;
  /**
   * Creates fresh stores, checks with `node:assert`, cleans up. Rejects on failure with a message
   * that starts with the case id. A case for an optional member the store does not implement
   * (`user.find-by-email*` without `findByEmail`) checks nothing: it calls `t.skip(reason)` when
   * given a runner context that has one.
   */
  readonly run: (t?: SkipContext) => Promise<void>;
}

/** The part of a runner's test context a case uses: `node:test`'s `t.skip(message)`. */
export interface SkipContext {
  skip(message?: string): void;
}

/** The `node:test`-shaped function `runConformance` registers cases with: `test(name, { skip }, fn)`. */
export type TestRegistrar = (name: string, options: { skip?: string | boolean }, fn: (t: SkipContext) => Promise<void>) => unknown;
