/**
 * The policy's settings, their product defaults, and the NIST SP 800-63B revision 4 preset.
 */

/**
 * Which common-password blocklist to apply.
 * - `true`: the shipped list (the 10,000 most common passwords).
 * - `false`: no blocklist.
 * - `{ extend }`: the shipped list plus these entries.
 * - `{ replace }`: these entries instead of the shipped list (`{ replace, extend }` unites both).
 *
 * Entries are compared after NFKC and case folding, so "Password" also blocks "PASSWORD" and
 * "ｐａｓｓｗｏｒｄ". Blank entries are skipped, so a list read from a file may end in a newline.
 */
export type BlocklistSetting = boolean | { readonly extend?: Iterable<string>; readonly replace?: Iterable<string> };

/**
 * Password rules, named after the product's settings (pe-rbac.md) in camelCase. Every member is
 * optional; a missing one takes its value from `DEFAULT_PASSWORD_POLICY`. Lengths count
 * characters as Unicode code points of the NFKC-normalized password.
 */
export interface PasswordPolicySettings {
  /** Fewest characters. Default 12 (the product's `password_minimum_length`). */
  readonly passwordMinimumLength?: number;
  /**
   * Most characters. Default 128: comfortably above the 64 that NIST and OWASP ASVS say to allow,
   * and a bound on the work a single request can cause. The hasher's byte limit (72 UTF-8 bytes
   * for bcrypt) is a separate check; see `checkPasswordRules`.
   */
  readonly passwordMaximumLength?: number;
  /** Fewest letters of any script and case (`\p{L}`). Default 0. */
  readonly lettersRequired?: number;
  /** Fewest lowercase letters (`\p{Ll}`). Default 1. */
  readonly lowercaseLettersRequired?: number;
  /** Fewest uppercase letters (`\p{Lu}`, and titlecase `\p{Lt}`). Default 1. */
  readonly uppercaseLettersRequired?: number;
  /** Fewest numbers (`\p{N}`: digits of any script). Default 1. */
  readonly numbersRequired?: number;
  /** Fewest special characters (not a letter, number, space, mark or control). Default 1. */
  readonly specialCharactersRequired?: number;
  /**
   * How many earlier passwords a new one may not repeat. Default 5. The policy only carries the
   * number: the caller compares against stored hashes with its hasher (and always refuses the
   * current password), and reports `reusedPasswordFailure(policy)`.
   */
  readonly passwordHistory?: number;
  /**
   * Whether the password may not contain the user's login, compared after NFKC and case folding.
   * Logins shorter than 3 characters are ignored: forbidding "al" would forbid half the language.
   * Default true.
   */
  readonly forbidLogin?: boolean;
  /** The common-password blocklist. Default `true` (the shipped list). */
  readonly blocklist?: BlocklistSetting;
  /**
   * Fewest characters of a login, for `validateLogin` and `POST /command/validate-login`.
   * Default 6 (the product's `login_minimum_length`).
   */
  readonly loginMinimumLength?: number;
  /** Most characters of a login. Default 255, the usual column width for a user name. */
  readonly loginMaximumLength?: number;
}

/** Settings with every member present: the shape of the presets. */
export type CompletePasswordPolicySettings = { readonly [K in keyof PasswordPolicySettings]-?: Exclude<PasswordPolicySettings[K], undefined> };

/**
 * The product's defaults (pe-rbac.md): at least 12 characters with one lowercase letter, one
 * uppercase letter, one number and one special character; at most 128 characters; the last five
 * passwords may not be reused; the login may not appear in the password; the shipped blocklist;
 * logins of 6 to 255 characters.
 *
 * Standards-first alternative: `NIST_800_63B_REV4` just below. Switch with
 * `resolvePasswordPolicy(NIST_800_63B_REV4)`, or adjust either by spreading it:
 * `resolvePasswordPolicy({ ...NIST_800_63B_REV4, passwordHistory: 0 })`.
 */
export const DEFAULT_PASSWORD_POLICY: CompletePasswordPolicySettings = Object.freeze({
  passwordMinimumLength: 12,
  passwordMaximumLength: 128,
  lettersRequired: 0,
  lowercaseLettersRequired: 1,
  uppercaseLettersRequired: 1,
  numbersRequired: 1,
  specialCharactersRequired: 1,
  passwordHistory: 5,
  forbidLogin: true,
  blocklist: true,
  loginMinimumLength: 6,
  loginMaximumLength: 255,
});

/**
 * A preset following NIST SP 800-63B revision 4 for passwords used as the only factor: at least
 * 15 characters, no composition rules (revision 4 says verifiers SHALL NOT impose them, since
 * they push users to predictable patterns like "Password1!"), a blocklist of common passwords
 * (SHALL), the login refused as part of the password (a context-specific word the standard lists),
 * and at most 128 characters (it asks to allow at least 64). History stays at the product's 5:
 * the standard neither asks for nor forbids it.
 */
export const NIST_800_63B_REV4: CompletePasswordPolicySettings = Object.freeze({
  passwordMinimumLength: 15,
  passwordMaximumLength: 128,
  lettersRequired: 0,
  lowercaseLettersRequired: 0,
  uppercaseLettersRequired: 0,
  numbersRequired: 0,
  specialCharactersRequired: 0,
  passwordHistory: 5,
  forbidLogin: true,
  blocklist: true,
  // The standard says nothing about logins: the product's rules.
  loginMinimumLength: 6,
  loginMaximumLength: 255,
});
