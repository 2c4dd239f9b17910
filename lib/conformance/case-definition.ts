/** The internal shape of a case before `conformanceCases` wraps it with stores and skipping. */
import type { CaseContext } from './case-context.ts';

/** Settings a case body may read (concurrency levels). */
export interface CaseSettings {
  readonly concurrentRedeems: number;
  readonly concurrentAttempts: number;
}

/** One case: a stable id, a one-line title, and a body that asserts. */
export interface CaseDefinition {
  readonly id: string;
  readonly title: string;
  /** True when the body fires concurrent calls; they go through `ctx.spread` to use both pairs. */
  readonly concurrent?: boolean;
  /** An optional `UserStore` (or `TokenStore`) member the case is about: without it, the case checks nothing (and says so). */
  readonly requires?: 'findByEmail' | 'findByIds' | 'recordSuccessfulAttempt' | 'setPasswordChangeRequired' | 'expireInactive' | 'claimResetLinkSlot';
  /** Optional `TokenStore` members the case is about: without any of them, the case checks nothing (and says so). */
  readonly requiresTokenStore?: readonly ('listOutstanding' | 'revokeOutstanding' | 'issueAndCheck')[];
  readonly run: (ctx: CaseContext, settings: CaseSettings) => Promise<void>;
}
