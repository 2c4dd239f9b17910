/**
 * Checks one password against a resolved policy and reports every rule it fails.
 */
import { Buffer } from 'node:buffer';
import { countCharacterClasses } from './character-classes.ts';
import { foldForComparison } from './normalize.ts';
import { isResolvedPasswordPolicy, type ResolvedPasswordPolicy } from './resolve.ts';
import { RULE_MESSAGES, type PasswordRuleId, type PolicyFailure } from './rules.ts';

/** What the policy needs to know beyond the password itself. */
export interface PasswordCheckContext {
  /** The user's login, for the `contains-login` rule. Omit when unknown (the rule is then skipped). */
  readonly login?: string;
  /**
   * The hasher's input limit in UTF-8 bytes (`Hasher.maxPasswordBytes`, 72 for bcrypt). Longer
   * passwords fail `maximum-bytes` rather than being silently truncated by the hasher. Omit for
   * hashers without a limit.
   */
  readonly maxPasswordBytes?: number;
}

// A login this short ("al", "ed") appears inside ordinary words; refusing it would reject good passwords.
const MIN_LOGIN_CODE_POINTS = 3;

function failure(rule: PasswordRuleId, expected?: number, actual?: number): PolicyFailure {
  const msg = RULE_MESSAGES[rule](expected ?? 0);
  if (expected === undefined || actual === undefined) return { rule, msg };
  return { rule, msg, expected, actual };
}

/**
 * Checks `password` against `policy` and returns every failing rule, in the order of
 * `PASSWORD_RULE_IDS`, or an empty array when it passes.
 *
 * `password` must already be normalized with `normalizePassword` (NFKC), the form that will be
 * hashed: lengths and byte counts are those of that form. The check is pure and synchronous; it
 * does not look at history or the current password (see `reusedPasswordFailure`).
 *
 * Rules: `whitespace-only` (empty, or only whitespace and invisible format characters),
 * `ill-formed-unicode` (lone surrogates, which UTF-8 would silently turn into U+FFFD),
 * `control-characters` (C0/C1 controls, NUL included), `minimum-length` and `maximum-length`
 * (code points), `maximum-bytes` (UTF-8 bytes over `context.maxPasswordBytes`), the class counts
 * `letters`, `lowercase-letters`, `uppercase-letters`, `numbers`, `special-characters`,
 * `contains-login` (folded login inside the folded password) and `common-password` (folded
 * password on the blocklist).
 *
 * Cost is linear in the password's length (about 0.1 s per million characters on this project's
 * machines), so the HTTP layer's body-size limit is what bounds it; `maximum-length` is still
 * reported for any length, rather than stopping early, so the failure list stays complete.
 *
 * Throws a TypeError for programming errors: a non-string password, a policy that did not come
 * from `resolvePasswordPolicy`, or an invalid context.
 */
export function checkPasswordRules(password: string, policy: ResolvedPasswordPolicy, context: PasswordCheckContext = {}): PolicyFailure[] {
  if (typeof password !== 'string') throw new TypeError('checkPasswordRules: password must be a string');
  if (!isResolvedPasswordPolicy(policy)) throw new TypeError('checkPasswordRules: policy must be the result of resolvePasswordPolicy(settings)');
  const { login, maxPasswordBytes } = context;
  if (login !== undefined && typeof login !== 'string') throw new TypeError('checkPasswordRules: context.login must be a string');
  if (maxPasswordBytes !== undefined && (!Number.isSafeInteger(maxPasswordBytes) || maxPasswordBytes < 1)) {
    throw new TypeError('checkPasswordRules: context.maxPasswordBytes must be a positive whole number (72 for bcrypt)');
  }

  const counts = countCharacterClasses(password);
  const failures: PolicyFailure[] = [];

  if (counts.whitespace + counts.format === counts.codePoints) failures.push(failure('whitespace-only'));
  if (counts.loneSurrogates > 0) failures.push(failure('ill-formed-unicode', 0, counts.loneSurrogates));
  if (counts.controls > 0) failures.push(failure('control-characters', 0, counts.controls));

  if (counts.codePoints < policy.passwordMinimumLength) failures.push(failure('minimum-length', policy.passwordMinimumLength, counts.codePoints));
  if (counts.codePoints > policy.passwordMaximumLength) failures.push(failure('maximum-length', policy.passwordMaximumLength, counts.codePoints));
  if (maxPasswordBytes !== undefined) {
    // Buffer.byteLength counts what Buffer.from(password) would hold, lone surrogates as 3-byte U+FFFD.
    const bytes = Buffer.byteLength(password, 'utf8');
    if (bytes > maxPasswordBytes) failures.push(failure('maximum-bytes', maxPasswordBytes, bytes));
  }

  const classes = [
    ['letters', policy.lettersRequired, counts.letters],
    ['lowercase-letters', policy.lowercaseLettersRequired, counts.lowercase],
    ['uppercase-letters', policy.uppercaseLettersRequired, counts.uppercase],
    ['numbers', policy.numbersRequired, counts.numbers],
    ['special-characters', policy.specialCharactersRequired, counts.special],
  ] as const;
  for (const [rule, expected, actual] of classes) {
    if (actual < expected) failures.push(failure(rule, expected, actual));
  }

  const folded = foldForComparison(password);
  if (policy.forbidLogin && login !== undefined) {
    const foldedLogin = foldForComparison(login);
    if ([...foldedLogin].length >= MIN_LOGIN_CODE_POINTS && folded.includes(foldedLogin)) failures.push(failure('contains-login'));
  }
  if (policy.blocklist.has(folded)) failures.push(failure('common-password'));

  return failures;
}
