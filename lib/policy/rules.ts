/**
 * Rule ids, the failure shape, and each rule's message. `checkPasswordRules` and
 * `describePasswordPolicy` share the messages, so a UI shows the same sentence before and after
 * a submission. Messages describe the rule and never quote the password.
 */
import type { ResolvedPasswordPolicy } from './resolve.ts';

/**
 * Every rule id, in the order failures are reported. Ids are stable API: clients may key
 * translations or UI hints on them.
 */
export const PASSWORD_RULE_IDS = Object.freeze([
  'whitespace-only',
  'ill-formed-unicode',
  'control-characters',
  'minimum-length',
  'maximum-length',
  'maximum-bytes',
  'letters',
  'lowercase-letters',
  'uppercase-letters',
  'numbers',
  'special-characters',
  'contains-login',
  'common-password',
  'password-reused',
  'password-breached',
] as const);

/** One of `PASSWORD_RULE_IDS`. */
export type PasswordRuleId = (typeof PASSWORD_RULE_IDS)[number];

/**
 * One failed rule. `expected` and `actual` are present for the counting rules (lengths in
 * characters or bytes, class counts), so a UI can say "3 of 12"; they are never the password.
 */
export interface PolicyFailure {
  readonly rule: PasswordRuleId;
  readonly msg: string;
  readonly expected?: number;
  readonly actual?: number;
}

/** One active rule as `describePasswordPolicy` lists it; `expected` is the rule's number, where it has one. */
export interface PolicyRuleDescription {
  readonly rule: PasswordRuleId;
  readonly msg: string;
  readonly expected?: number;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** The message of each rule, given the number it enforces (unused by the rules without one). */
export const RULE_MESSAGES: { readonly [R in PasswordRuleId]: (n: number) => string } = Object.freeze({
  'whitespace-only': () => 'Password must not be empty or made only of spaces or invisible characters.',
  'ill-formed-unicode': () => 'Password must be valid Unicode text: it contains an unpaired surrogate code unit, which cannot be stored as typed.',
  'control-characters': () => 'Password must not contain control characters such as NUL, tab or line breaks.',
  'minimum-length': (n) => `Password must be at least ${plural(n, 'character')} long.`,
  'maximum-length': (n) => `Password must be at most ${plural(n, 'character')} long.`,
  'maximum-bytes': (n) => `Password must be at most ${n} bytes long (fewer characters with accents or emoji).`,
  letters: (n) => `Password must contain at least ${plural(n, 'letter')} (of any alphabet).`,
  'lowercase-letters': (n) => `Password must contain at least ${plural(n, 'lowercase letter')}.`,
  'uppercase-letters': (n) => `Password must contain at least ${plural(n, 'uppercase letter')}.`,
  numbers: (n) => `Password must contain at least ${plural(n, 'number')} (a digit of any script).`,
  'special-characters': (n) => `Password must contain at least ${plural(n, 'special character')}: a symbol, punctuation mark or emoji, such as ! # or €.`,
  'contains-login': () => 'Password must not contain the login name.',
  'common-password': () => 'Password must not be a commonly used password.',
  'password-reused': (n) =>
    n > 1
      ? `Password must not be the current password or one of the last ${n} passwords.`
      : n === 1
        ? 'Password must not be the current password or the previous one.'
        : 'Password must not be the current password.',
  'password-breached': () => 'Password must not be one that has appeared in a known data breach.',
});

/**
 * The failure a caller reports when its `breachedPasswords` checker finds the password in breach
 * corpora. Like `password-reused`, the policy cannot check this itself.
 */
export function breachedPasswordFailure(): PolicyFailure {
  return { rule: 'password-breached', msg: RULE_MESSAGES['password-breached'](0) };
}

/**
 * The failure a caller reports when the new password matches the current hash or one of the last
 * `policy.passwordHistory` hashes. The policy cannot check this itself: only the caller holds the
 * hashes and the hasher.
 */
export function reusedPasswordFailure(policy: ResolvedPasswordPolicy): PolicyFailure {
  return { rule: 'password-reused', msg: RULE_MESSAGES['password-reused'](policy.passwordHistory) };
}
