/**
 * Lists a policy's active rules in words, for a UI to show before the user types.
 */
import { type ResolvedPasswordPolicy, isResolvedPasswordPolicy } from './resolve.ts';
import { PASSWORD_RULE_IDS, RULE_MESSAGES, type PasswordRuleId, type PolicyRuleDescription } from './rules.ts';

/**
 * The rules `policy` enforces, in the order of `PASSWORD_RULE_IDS`, each with the same message
 * `checkPasswordRules` reports when it fails. Rules with a zero count, `contains-login` when
 * `forbidLogin` is off, and `common-password` when the blocklist is empty are left out;
 * `maximum-bytes` appears only when `context.maxPasswordBytes` is given. `password-reused` is
 * always listed (the current password is always refused), though the caller enforces it.
 * `password-breached` appears only when `context.breachedPasswords` is true (a checker is configured).
 */
export function describePasswordPolicy(
  policy: ResolvedPasswordPolicy,
  context: { readonly maxPasswordBytes?: number; readonly breachedPasswords?: boolean } = {},
): PolicyRuleDescription[] {
  if (!isResolvedPasswordPolicy(policy)) throw new TypeError('describePasswordPolicy: policy must be the result of resolvePasswordPolicy(settings)');
  // The number each rule enforces; null marks a rule that is off for this policy.
  const numbers: { readonly [R in PasswordRuleId]: number | null | undefined } = {
    'whitespace-only': undefined,
    'ill-formed-unicode': undefined,
    'control-characters': undefined,
    'minimum-length': policy.passwordMinimumLength,
    'maximum-length': policy.passwordMaximumLength,
    'maximum-bytes': context.maxPasswordBytes ?? null,
    letters: policy.lettersRequired || null,
    'lowercase-letters': policy.lowercaseLettersRequired || null,
    'uppercase-letters': policy.uppercaseLettersRequired || null,
    numbers: policy.numbersRequired || null,
    'special-characters': policy.specialCharactersRequired || null,
    'contains-login': policy.forbidLogin ? undefined : null,
    'common-password': policy.blocklist.size > 0 ? undefined : null,
    // Its number is the history length, but "expected" would read as a count to reach, so it is not exposed.
    'password-reused': undefined,
    'password-breached': context.breachedPasswords === true ? undefined : null,
  };
  const descriptions: PolicyRuleDescription[] = [];
  for (const rule of PASSWORD_RULE_IDS) {
    const expected = numbers[rule];
    if (expected === null) continue;
    const msg = RULE_MESSAGES[rule](rule === 'password-reused' ? policy.passwordHistory : (expected ?? 0));
    descriptions.push(expected === undefined ? { rule, msg } : { rule, msg, expected });
  }
  return descriptions;
}
