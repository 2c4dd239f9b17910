/**
 * Types of the conformance suite: what an adapter author hands in (a store factory) and what
 * they get back (cases with stable ids to run from any test runner).
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
}

/** Fresh stores for one case. The suite never shares them between cases. */
export interface ConformanceStores {
  readonly userStore: UserStore;
  readonly tokenStore: TokenStore;
  /** Creates a user in the store's backing data (outside the `UserStore` contract, which has no create). */
  createUser(input: ConformanceUserInput): Promise<PasswordUser>;
  /** Called after the case, passed or failed: drop schemas, close connections. */
  cleanup?(): Promise<void> | void;
}

/** Options of `conformanceCases`. */
export interface ConformanceOptions {
  /** Called once per case; each call must give empty, independent stores. */
  readonly createStores: () => Promise<ConformanceStores>;
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
  /** `<id>: <what it checks>`, for the runner's output. */
  readonly name: string;
  /** False, or the reason this case is skipped. */
  readonly skip: false | string;
  /** Creates fresh stores, checks with `node:assert`, cleans up. Rejects on failure. */
  readonly run: () => Promise<void>;
}

/** The `node:test`-shaped function `runConformance` registers cases with: `test(name, { skip }, fn)`. */
export type TestRegistrar = (name: string, options: { skip?: string | boolean }, fn: () => Promise<void>) => unknown;
