/**
 * Counts the character classes of a password by Unicode general category, in one pass over its
 * code points. The choices below are the policy's definition of each class.
 */

/** How many code points of a password fall in each class the rules look at. */
export interface CharacterCounts {
  /** Code points (not UTF-16 units): what "characters" means in lengths. An emoji is 1, "é" in NFC is 1. */
  readonly codePoints: number;
  /** `\p{L}`: letters of any script, cased or not (Latin, Cyrillic, Greek, CJK, Arabic...). */
  readonly letters: number;
  /** `\p{Ll}`. */
  readonly lowercase: number;
  /**
   * `\p{Lu}` plus titlecase `\p{Lt}`. Titlecase letters (Greek "ᾈ", the digraph "ǅ" before NFKC
   * splits it) begin with a capital and are what Shift produces, so they satisfy "uppercase".
   */
  readonly uppercase: number;
  /**
   * `\p{N}`: decimal digits of every script (Arabic-Indic "٣", Devanagari "३") and the other
   * numerals Unicode knows. Chosen over `\p{Nd}` because a Roman-numeral or fraction sign is a
   * number to its writer, and not counting it here would make it "special" instead. NFKC already
   * turns most of them ("²", "①", "½") into ASCII digits.
   */
  readonly numbers: number;
  /**
   * Everything else that is visible: punctuation, symbols, emoji, private-use and unassigned code
   * points. Not special: letters, numbers, whitespace, controls, lone surrogates, combining marks
   * (`\p{M}`, part of the letter before them, so "é" typed as e + U+0301 is not "special") and
   * invisible format characters (`\p{Cf}`, such as the zero-width joiner inside emoji sequences).
   */
  readonly special: number;
  /** `\p{White_Space}` (including tab and line breaks, which are also controls). */
  readonly whitespace: number;
  /** Invisible format characters, `\p{Cf}`. They do not make a password visible text. */
  readonly format: number;
  /** C0 and C1 controls, `\p{Cc}`: NUL, tab, line feed, DEL, U+0080-U+009F... */
  readonly controls: number;
  /** Unpaired UTF-16 surrogates, which no UTF encoding can carry. */
  readonly loneSurrogates: number;
}

const LONE_SURROGATE = /^[\uD800-\uDFFF]$/u;
const CONTROL = /^\p{Cc}$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const LETTER = /^\p{L}$/u;
const LOWERCASE = /^\p{Ll}$/u;
const UPPERCASE = /^[\p{Lu}\p{Lt}]$/u;
const NUMBER = /^\p{N}$/u;
const MARK = /^\p{M}$/u;
const FORMAT = /^\p{Cf}$/u;

/** Counts each class in `password`, which should already be NFKC-normalized (see `normalizePassword`). */
export function countCharacterClasses(password: string): CharacterCounts {
  let codePoints = 0;
  let letters = 0;
  let lowercase = 0;
  let uppercase = 0;
  let numbers = 0;
  let special = 0;
  let whitespace = 0;
  let format = 0;
  let controls = 0;
  let loneSurrogates = 0;
  // String iteration yields code points, and a lone surrogate as a one-unit string of its own.
  for (const ch of password) {
    codePoints += 1;
    if (WHITESPACE.test(ch)) whitespace += 1;
    if (LONE_SURROGATE.test(ch)) loneSurrogates += 1;
    else if (CONTROL.test(ch)) controls += 1;
    else if (LETTER.test(ch)) {
      letters += 1;
      if (LOWERCASE.test(ch)) lowercase += 1;
      else if (UPPERCASE.test(ch)) uppercase += 1;
    } else if (NUMBER.test(ch)) numbers += 1;
    else if (FORMAT.test(ch)) format += 1;
    else if (!WHITESPACE.test(ch) && !MARK.test(ch)) special += 1;
  }
  return { codePoints, letters, lowercase, uppercase, numbers, special, whitespace, format, controls, loneSurrogates };
}
