/**
 * The two text transforms of the policy: the normal form passwords are checked, hashed and
 * verified in, and the looser form used only to compare against logins and the blocklist.
 */

/**
 * The form every password is checked, hashed and verified in: Unicode NFKC.
 *
 * Why NFKC: browsers and keyboards send the same visible text in different forms (one sends
 * "é" as U+00E9, another as "e" + U+0301), and NIST SP 800-63B asks for NFKC or NFKD before
 * hashing. NFKC also folds compatibility variants (fullwidth "Ａ", ligatures, superscripts) into
 * their plain forms. Callers must apply it to a new password before `checkPasswordRules` and
 * before hashing, and to every password they verify, so both sides match.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Folds text for the "is this the login / a common password" comparisons: NFKC, then a
 * locale-independent full case fold. Not used for hashing: the password itself stays
 * case-sensitive.
 *
 * `toUpperCase().toLowerCase()` approximates Unicode full case folding without a table:
 * upper-casing first turns "ß" into "SS" and final "ς" into "Σ", so "STRASSE" and "straße"
 * fold alike. Both calls are locale-independent (unlike `toLocaleLowerCase`), so a Turkish
 * server locale cannot change the result. The final NFKC re-composes anything the case
 * mapping decomposed.
 */
export function foldForComparison(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
