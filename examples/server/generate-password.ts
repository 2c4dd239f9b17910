/** A random password that meets the configured policy, for the first admin when none is given. */
import { randomInt } from 'node:crypto';
import { checkPasswordRules, type ResolvedPasswordPolicy } from 'express-rbac-password';

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
// Characters that survive copying from a terminal and shells without quoting surprises.
const SPECIAL = '-_.+=@%';

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] as string;
}

/** Builds the required characters of each class, pads with random ones, and shuffles (Fisher-Yates, CSPRNG). */
export function generatePassword(policy: ResolvedPasswordPolicy, login: string): string {
  const length = Math.min(Math.max(20, policy.passwordMinimumLength), policy.passwordMaximumLength, 72);
  for (let attempt = 0; attempt < 100; attempt++) {
    const chars: string[] = [];
    const add = (count: number, alphabet: string) => {
      for (let i = 0; i < count; i++) chars.push(pick(alphabet));
    };
    add(policy.lowercaseLettersRequired, LOWER);
    add(policy.uppercaseLettersRequired, UPPER);
    add(policy.numbersRequired, DIGITS);
    add(policy.specialCharactersRequired, SPECIAL);
    add(Math.max(0, policy.lettersRequired - policy.lowercaseLettersRequired - policy.uppercaseLettersRequired), LOWER + UPPER);
    add(Math.max(0, length - chars.length), LOWER + UPPER + DIGITS);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
    }
    const password = chars.join('');
    if (checkPasswordRules(password, policy, { login, maxPasswordBytes: 72 }).length === 0) return password;
  }
  throw new Error('could not generate a password that meets the password policy; set RBAC_ADMIN_PASSWORD');
}
