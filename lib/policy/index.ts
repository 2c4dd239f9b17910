/**
 * The password policy: settings with the product's defaults and a NIST SP 800-63B rev. 4 preset,
 * validation of the settings, the rule check that lists every failure, descriptions for a UI, and
 * the login rules (`checkLoginRules`).
 * Framework-free: the HTTP layer maps failures to `400 password-policy-violation`.
 *
 * Typical use:
 *
 *   const policy = resolvePasswordPolicy({ passwordMinimumLength: 14 }); // once, at startup
 *   const password = normalizePassword(body.password);                   // hash this same string
 *   const failures = checkPasswordRules(password, policy, { login: user.login, maxPasswordBytes: 72 });
 */
export { normalizePassword } from './normalize.ts';
export {
  DEFAULT_PASSWORD_POLICY,
  NIST_800_63B_REV4,
  type BlocklistSetting,
  type CompletePasswordPolicySettings,
  type PasswordPolicySettings,
} from './settings.ts';
export { resolvePasswordPolicy, type ResolvedPasswordPolicy } from './resolve.ts';
export { checkPasswordRules, type PasswordCheckContext } from './check.ts';
export { describePasswordPolicy } from './describe.ts';
export { checkLoginRules, LOGIN_RULE_IDS, type LoginFailure, type LoginRuleId } from './login-rules.ts';
export {
  PASSWORD_RULE_IDS,
  breachedPasswordFailure,
  reusedPasswordFailure,
  type PasswordRuleId,
  type PolicyFailure,
  type PolicyRuleDescription,
} from './rules.ts';
