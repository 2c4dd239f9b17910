/**
 * The login rules: what `validateLogin` and `POST /command/validate-login` check before a host
 * creates a user. They keep two logins from looking alike and keep a login printable and storable.
 */
import { countCharacterClasses } from './character-classes.ts';
import { isResolvedPasswordPolicy, type ResolvedPasswordPolicy } from './resolve.ts';

/**
 * Every login rule id, in the order failures are reported. Ids are stable API. `login-taken` is
 * the only one that reads storage; the service checks it (see `PasswordService.validateLogin`).
 */
export const LOGIN_RULE_IDS = Object.freeze([
  'ill-formed-unicode',
  'control-characters',
  'invisible-characters',
  'surrounding-whitespace',
  'not-normalized',
  'minimum-length',
  'maximum-length',
  'login-taken',
] as const);

/** One of `LOGIN_RULE_IDS`. */
export type LoginRuleId = (typeof LOGIN_RULE_IDS)[number];

/** One failed login rule; `expected` and `actual` are present for the length rules (code points). */
export interface LoginFailure {
  readonly rule: LoginRuleId;
  readonly msg: string;
  readonly expected?: number;
  readonly actual?: number;
}

const characters = (n: number) => `${n} ${n === 1 ? 'character' : 'characters'}`;

/** The message of each login rule, given the number it enforces (unused by the rules without one). */
export const LOGIN_RULE_MESSAGES: { readonly [R in LoginRuleId]: (n: number) => string } = Object.freeze({
  'ill-formed-unicode': () => 'Login must be valid Unicode text: it contains an unpaired surrogate code unit.',
  'control-characters': () => 'Login must not contain control characters such as NUL, tab or line breaks.',
  'invisible-characters': () => 'Login must not contain invisible formatting characters such as zero-width spaces or direction marks.',
  'surrounding-whitespace': () => 'Login must not begin or end with a space.',
  'not-normalized': () =>
    'Login must be written in its plain Unicode form (NFKC): type full-width letters, ligatures, superscripts and similar variants as their ordinary characters.',
  'minimum-length': (n) => `Login must be at least ${characters(n)} long.`,
  'maximum-length': (n) => `Login must be at most ${characters(n)} long.`,
  'login-taken': () => 'Login is already taken.',
});

/** The failure of one rule, with the counts for the length rules. */
export function loginFailure(rule: LoginRuleId, expected?: number, actual?: number): LoginFailure {
  const msg = LOGIN_RULE_MESSAGES[rule](expected ?? 0);
  return expected === undefined || actual === undefined ? { rule, msg } : { rule, msg, expected, actual };
}

const LEADING_OR_TRAILING_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

/**
 * Checks `login`, as the user typed it (not normalized: a login that NFKC would change fails
 * `not-normalized`), against the policy's login rules and returns every failing rule except
 * `login-taken`, in the order of `LOGIN_RULE_IDS`, or an empty array. Lengths count code points.
 * Pure and synchronous.
 *
 * Throws a TypeError for a non-string login or a policy that did not come from `resolvePasswordPolicy`.
 */
export function checkLoginRules(login: string, policy: ResolvedPasswordPolicy): LoginFailure[] {
  if (typeof login !== 'string') throw new TypeError('checkLoginRules: login must be a string');
  if (!isResolvedPasswordPolicy(policy)) throw new TypeError('checkLoginRules: policy must be the result of resolvePasswordPolicy(settings)');
  const counts = countCharacterClasses(login);
  const failures: LoginFailure[] = [];
  if (counts.loneSurrogates > 0) failures.push(loginFailure('ill-formed-unicode'));
  if (counts.controls > 0) failures.push(loginFailure('control-characters'));
  if (counts.format > 0) failures.push(loginFailure('invisible-characters'));
  if (LEADING_OR_TRAILING_SPACE.test(login)) failures.push(loginFailure('surrounding-whitespace'));
  // Two logins that NFKC maps to the same text would look alike ("ｂｏｂ" and "bob"): only the normal form is accepted.
  if (login.normalize('NFKC') !== login) failures.push(loginFailure('not-normalized'));
  if (counts.codePoints < policy.loginMinimumLength) failures.push(loginFailure('minimum-length', policy.loginMinimumLength, counts.codePoints));
  if (counts.codePoints > policy.loginMaximumLength) failures.push(loginFailure('maximum-length', policy.loginMaximumLength, counts.codePoints));
  return failures;
}
