/** Placeholder until the policy module lands. */
export interface PasswordPolicySettings {
  readonly passwordMinimumLength?: number;
  readonly passwordHistory?: number;
}
export interface PolicyFailure {
  readonly rule: string;
  readonly msg: string;
}
export function normalizePassword(p: string): string {
  return p.normalize('NFKC');
}
export function resolvePasswordPolicy(settings: PasswordPolicySettings = {}) {
  return Object.freeze({ passwordMinimumLength: settings.passwordMinimumLength ?? 12, passwordHistory: settings.passwordHistory ?? 5 });
}
export function checkPasswordRules(password: string, policy: ReturnType<typeof resolvePasswordPolicy>, context: { login?: string; maxPasswordBytes?: number } = {}): PolicyFailure[] {
  const failures: PolicyFailure[] = [];
  if ([...password].length < policy.passwordMinimumLength) failures.push({ rule: 'minimum-length', msg: 'too short' });
  if (context.maxPasswordBytes !== undefined && Buffer.byteLength(password) > context.maxPasswordBytes) failures.push({ rule: 'maximum-bytes', msg: 'too many bytes' });
  return failures;
}
