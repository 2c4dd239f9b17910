/**
 * The password policy through its public module API: settings, every rule firing and not,
 * Unicode handling, the blocklist, the NIST preset and settings validation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkLoginRules,
  checkPasswordRules,
  LOGIN_RULE_IDS,
  DEFAULT_PASSWORD_POLICY,
  describePasswordPolicy,
  NIST_800_63B_REV4,
  normalizePassword,
  PASSWORD_RULE_IDS,
  resolvePasswordPolicy,
  reusedPasswordFailure,
  type PasswordCheckContext,
  type PasswordPolicySettings,
  type PolicyFailure,
  type ResolvedPasswordPolicy,
} from '../../lib/policy/index.ts';

const defaults = resolvePasswordPolicy();
/** Every composition rule off and a minimum of 1, so a single rule can be watched in isolation. */
const relaxed = resolvePasswordPolicy({
  passwordMinimumLength: 1,
  lowercaseLettersRequired: 0,
  uppercaseLettersRequired: 0,
  numbersRequired: 0,
  specialCharactersRequired: 0,
});
/** Meets every default rule: 15 characters, upper, lower, digit, special. */
const GOOD = 'Correct-Horse-9';

/** Normalizes as a caller must, then checks; returns the full failures. */
function check(password: string, policy: ResolvedPasswordPolicy = defaults, context: PasswordCheckContext = {}): PolicyFailure[] {
  return checkPasswordRules(normalizePassword(password), policy, context);
}

/** Only the rule ids, for compact assertions. */
function rules(password: string, policy: ResolvedPasswordPolicy = defaults, context: PasswordCheckContext = {}): string[] {
  return check(password, policy, context).map((failure) => failure.rule);
}

function failureFor(password: string, rule: string, policy: ResolvedPasswordPolicy = defaults, context: PasswordCheckContext = {}): PolicyFailure {
  const found = check(password, policy, context).find((failure) => failure.rule === rule);
  assert.ok(found, `expected rule ${rule} to fail`);
  return found;
}

function expectSettingsError(settings: unknown, pattern: RegExp): void {
  assert.throws(
    () => resolvePasswordPolicy(settings as PasswordPolicySettings),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, 'a TypeError');
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('defaults and presets', () => {
  it('carries the product defaults', () => {
    assert.deepEqual(
      { ...DEFAULT_PASSWORD_POLICY },
      {
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
      },
    );
    assert.ok(Object.isFrozen(DEFAULT_PASSWORD_POLICY));
  });

  it('resolves no settings to the defaults, frozen, with the shipped blocklist', () => {
    const { blocklist, ...rest } = defaults;
    const { blocklist: _setting, ...expected } = DEFAULT_PASSWORD_POLICY;
    assert.deepEqual(rest, expected);
    assert.ok(Object.isFrozen(defaults));
    assert.ok(blocklist.size >= 10_000, `at least 10,000 entries, got ${blocklist.size}`);
    assert.deepEqual(resolvePasswordPolicy({}), defaults);
  });

  it('keeps the blocklist read-only', () => {
    const set = defaults.blocklist as Set<string>;
    assert.throws(() => set.add('hunter22'), TypeError);
    assert.throws(() => set.delete('password'), TypeError);
    assert.throws(() => set.clear(), TypeError);
    assert.ok(defaults.blocklist.has('password'));
  });

  it('NIST_800_63B_REV4: minimum 15, no composition rules, blocklist and login check on', () => {
    assert.deepEqual(
      { ...NIST_800_63B_REV4 },
      {
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
        loginMinimumLength: 6,
        loginMaximumLength: 255,
      },
    );
    const nist = resolvePasswordPolicy(NIST_800_63B_REV4);
    assert.deepEqual(rules('correcthorsebat', nist), [], 'lowercase only is fine at 15 characters');
    assert.deepEqual(rules('correcthorseba', nist), ['minimum-length']);
    assert.deepEqual(rules('correct horse battery staple', nist), [], 'passphrases with spaces are fine');
    assert.deepEqual(rules('alicecorrecthorse', nist, { login: 'alice' }), ['contains-login']);
    assert.deepEqual(rules('password', nist), ['minimum-length', 'common-password']);
    const described = describePasswordPolicy(nist).map((d) => d.rule);
    for (const rule of ['letters', 'lowercase-letters', 'uppercase-letters', 'numbers', 'special-characters']) {
      assert.ok(!described.includes(rule as never), `${rule} is not active under NIST`);
    }
    assert.ok(described.includes('common-password'));
  });

  it('presets can be adjusted by spreading them', () => {
    const policy = resolvePasswordPolicy({ ...NIST_800_63B_REV4, passwordHistory: 0 });
    assert.equal(policy.passwordHistory, 0);
    assert.equal(policy.passwordMinimumLength, 15);
  });
});

describe('checkPasswordRules: each rule', () => {
  it('accepts a password that meets every default rule', () => {
    assert.deepEqual(check(GOOD, defaults, { login: 'alice', maxPasswordBytes: 72 }), []);
  });

  it('minimum-length counts code points', () => {
    assert.deepEqual(rules('Abcdefghi1!'), ['minimum-length']);
    assert.deepEqual(failureFor('Abcdefghi1!', 'minimum-length'), {
      rule: 'minimum-length',
      msg: 'Password must be at least 12 characters long.',
      expected: 12,
      actual: 11,
    });
    assert.deepEqual(rules('Abcdefghij1!'), []);
    // Eleven emoji are 22 UTF-16 units but 11 characters: still too short.
    assert.equal(failureFor(`Aa1${'😀'.repeat(8)}`, 'minimum-length').actual, 11);
    assert.deepEqual(rules(`Aa1${'😀'.repeat(9)}`), []);
  });

  it('maximum-length counts code points, and a 10,000-character password fails it', () => {
    const at = `Aa1!${'x'.repeat(124)}`;
    assert.deepEqual(rules(at), []);
    assert.deepEqual(rules(`${at}x`), ['maximum-length']);
    const huge = failureFor(`Aa1!${'x'.repeat(9_996)}`, 'maximum-length');
    assert.deepEqual(huge, { rule: 'maximum-length', msg: 'Password must be at most 128 characters long.', expected: 128, actual: 10_000 });
    // 128 emoji are 256 UTF-16 units but 128 characters; without a byte limit they fit.
    assert.deepEqual(rules(`Aa1${'😀'.repeat(125)}`), []);
    assert.deepEqual(rules(`Aa1${'😀'.repeat(126)}`), ['maximum-length']);
  });

  it('maximum-bytes counts UTF-8 bytes against the hasher limit, with its own message', () => {
    const ctx = { maxPasswordBytes: 72 };
    assert.deepEqual(rules(`Aa1!${'x'.repeat(68)}`, defaults, ctx), [], '72 ASCII bytes fit');
    assert.deepEqual(rules(`Aa1!${'x'.repeat(69)}`, defaults, ctx), ['maximum-bytes']);
    // 'Aa1x' is 4 bytes, each emoji 4: 17 emoji make exactly 72 bytes in 21 characters.
    assert.deepEqual(rules(`Aa1x${'😀'.repeat(17)}`, defaults, ctx), []);
    const over = failureFor(`Aa1x${'😀'.repeat(18)}`, 'maximum-bytes', defaults, ctx);
    assert.deepEqual(rules(`Aa1x${'😀'.repeat(18)}`, defaults, ctx), ['maximum-bytes'], 'only 22 characters: not a length failure');
    assert.equal(over.expected, 72);
    assert.equal(over.actual, 76);
    assert.equal(over.msg, 'Password must be at most 72 bytes long (fewer characters with accents or emoji).');
    assert.doesNotMatch(over.msg, /hasher|bcrypt/i, 'the hasher goes unnamed');
    assert.notEqual(over.msg, failureFor('x'.repeat(200), 'maximum-length').msg);
    // Without a hasher limit the rule does not apply.
    assert.deepEqual(rules(`Aa1x${'😀'.repeat(18)}`), []);
    // Two-byte letters: 36 "é" are 72 bytes, 37 are 74.
    assert.deepEqual(rules(`${'é'.repeat(33)}A1!`, relaxed, ctx), []);
    assert.deepEqual(rules(`${'é'.repeat(35)}A1!`, relaxed, ctx), ['maximum-bytes']);
  });

  it('letters counts letters of any script', () => {
    const policy = resolvePasswordPolicy({ ...NIST_800_63B_REV4, passwordMinimumLength: 1, lettersRequired: 3 });
    assert.deepEqual(failureFor('12345-ab', 'letters', policy), {
      rule: 'letters',
      msg: 'Password must contain at least 3 letters (of any alphabet).',
      expected: 3,
      actual: 2,
    });
    assert.deepEqual(rules('12345-abc', policy), []);
    assert.deepEqual(rules('12345-密码学', policy), [], 'caseless CJK letters are letters');
    assert.deepEqual(rules('12345-ДЖΩ', policy), []);
  });

  it('lowercase-letters, uppercase-letters, numbers and special-characters each fire alone', () => {
    assert.deepEqual(rules('ABCDEFGHIJ1!'), ['lowercase-letters']);
    assert.deepEqual(rules('abcdefghij1!'), ['uppercase-letters']);
    assert.deepEqual(rules('Abcdefghijk!'), ['numbers']);
    assert.deepEqual(rules('Abcdefghijk1'), ['special-characters']);
    assert.deepEqual(failureFor('Abcdefghijk1', 'special-characters').msg.startsWith('Password must contain at least 1 special character'), true);
    const many = resolvePasswordPolicy({ lowercaseLettersRequired: 2, uppercaseLettersRequired: 2, numbersRequired: 2, specialCharactersRequired: 2 });
    assert.deepEqual(
      check('Abcdefghij1!', many).map((f) => [f.rule, f.expected, f.actual]),
      [
        ['uppercase-letters', 2, 1],
        ['numbers', 2, 1],
        ['special-characters', 2, 1],
      ],
    );
    assert.match(failureFor('Abcdefghij1!', 'numbers', many).msg, /at least 2 numbers/);
    assert.deepEqual(rules('ABcdefghij12!?', many), []);
  });

  it('special characters are punctuation, symbols and emoji; spaces are not', () => {
    for (const special of ['!', '#', '€', '§', '©', '😀', '«', '¿', '\uE000']) {
      assert.deepEqual(rules(`Abcdefghij1${special}`), [], `${JSON.stringify(special)} is special`);
    }
    assert.deepEqual(rules('Abcdef ghij1'), ['special-characters'], 'a space is not special');
  });

  it('contains-login compares after normalization and case folding', () => {
    const ctx = { login: 'alice' };
    assert.deepEqual(rules('My-Alice-Pass1', defaults, ctx), ['contains-login']);
    assert.deepEqual(rules('My-ALICE-Pass1', defaults, ctx), ['contains-login']);
    assert.deepEqual(rules('My-ＡＬＩＣＥ-Pass1', defaults, ctx), ['contains-login'], 'fullwidth letters fold to ASCII');
    assert.deepEqual(rules('My-Alice-Pass1', defaults, { login: 'ALİCE' }), [], 'no Turkish-locale tricks: İ folds to i + dot');
    assert.deepEqual(rules('Straße-Pass1', defaults, { login: 'STRASSE' }), ['contains-login'], 'full case folding: ß = ss');
    assert.deepEqual(rules('My-Alice-Pass1', defaults, { login: 'bob' }), []);
    assert.deepEqual(rules('My-Alice-Pass1'), [], 'no login in the context: skipped');
    assert.deepEqual(rules('Al-Ed-Password1', defaults, { login: 'al' }), [], 'logins under 3 characters are ignored');
    assert.deepEqual(rules('Abc-Def-Pass1', defaults, { login: 'abc' }), ['contains-login'], '3 characters count');
    const allowed = resolvePasswordPolicy({ forbidLogin: false });
    assert.deepEqual(rules('My-Alice-Pass1', allowed, ctx), []);
    assert.equal(failureFor('My-Alice-Pass1', 'contains-login', defaults, ctx).msg, 'Password must not contain the login name.');
  });

  it('common-password matches the shipped list after normalization and case folding', () => {
    for (const common of ['password', '123456', 'qwerty', 'iloveyou', 'letmein', 'trustno1']) {
      assert.deepEqual(rules(common, relaxed), ['common-password'], common);
    }
    assert.deepEqual(rules('PASSWORD', relaxed), ['common-password'], 'uppercase variant');
    assert.deepEqual(rules('PassWord', relaxed), ['common-password'], 'mixed case variant');
    assert.deepEqual(rules('ｐａｓｓｗｏｒｄ', relaxed), ['common-password'], 'fullwidth variant, after normalizePassword');
    assert.deepEqual(rules('ＰＡＳＳＷＯＲＤ', relaxed), ['common-password'], 'fullwidth uppercase variant');
    assert.deepEqual(rules('password-not-common-at-all', relaxed), []);
    assert.equal(failureFor('password', 'common-password', relaxed).msg, 'Password must not be a commonly used password.');
    // Under the defaults the same password also fails the other rules: all are reported.
    assert.deepEqual(rules('Password'), ['minimum-length', 'numbers', 'special-characters', 'common-password']);
  });

  it('whitespace-only: empty, spaces, Unicode spaces and invisible characters', () => {
    for (const blank of ['', ' ', '     ', '\u3000\u3000', '\u00A0', '\u200B', ' \u200D ']) {
      assert.ok(rules(blank, relaxed).includes('whitespace-only'), JSON.stringify(blank));
    }
    assert.deepEqual(rules(' a ', relaxed), []);
    assert.deepEqual(rules('correct horse battery staple', relaxed), [], 'inner spaces are allowed');
  });

  it('control-characters: NUL and other C0/C1 controls are refused', () => {
    for (const control of ['\0', '\u0001', '\t', '\n', '\r', '\u001B', '\u007F', '\u0085', '\u009B']) {
      assert.deepEqual(rules(`Abcdefghij1!${control}`), ['control-characters'], JSON.stringify(control));
    }
    assert.deepEqual(failureFor('Abc\0defghij1!\0', 'control-characters'), {
      rule: 'control-characters',
      msg: 'Password must not contain control characters such as NUL, tab or line breaks.',
      expected: 0,
      actual: 2,
    });
    assert.deepEqual(rules('\0', relaxed), ['control-characters']);
  });

  it('ill-formed-unicode: lone surrogates are refused, pairs are fine', () => {
    for (const ill of ['\uD800', '\uDFFF', '\uDC00\uD800', 'Abcdefghij1!\uD83D']) {
      assert.ok(rules(ill, relaxed).includes('ill-formed-unicode'), JSON.stringify(ill));
    }
    assert.equal(failureFor('a\uD800b\uDC00', 'ill-formed-unicode', relaxed).actual, 2);
    assert.match(failureFor('\uD800', 'ill-formed-unicode', relaxed).msg, /unpaired surrogate/);
    assert.deepEqual(rules('\uD83D\uDE00', relaxed), [], 'a well-formed pair is one emoji');
  });
});

describe('checkPasswordRules: all failures together', () => {
  it('reports every failing rule, in PASSWORD_RULE_IDS order', () => {
    assert.deepEqual(rules(''), ['whitespace-only', 'minimum-length', 'lowercase-letters', 'uppercase-letters', 'numbers', 'special-characters']);
    assert.deepEqual(rules('\0alice\uD800', defaults, { login: 'alice' }), [
      'ill-formed-unicode',
      'control-characters',
      'minimum-length',
      'uppercase-letters',
      'numbers',
      'special-characters',
      'contains-login',
    ]);
    const huge = rules(`${'x'.repeat(10_000)}\0`, resolvePasswordPolicy({ lettersRequired: 1 }), { login: 'xxxx', maxPasswordBytes: 72 });
    assert.deepEqual(huge, ['control-characters', 'maximum-length', 'maximum-bytes', 'uppercase-letters', 'numbers', 'special-characters', 'contains-login']);
  });

  it('keeps the order of PASSWORD_RULE_IDS for any combination', () => {
    const samples = ['', '\0', 'x'.repeat(300), 'password', 'A\uD800', '😀'.repeat(30), 'alice'];
    for (const sample of samples) {
      const order = rules(sample, defaults, { login: 'alice', maxPasswordBytes: 72 }).map((rule) => PASSWORD_RULE_IDS.indexOf(rule as never));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        JSON.stringify(sample),
      );
    }
  });

  it('never puts the password in a message', () => {
    const samples = ['hunter2', 'letmein', 'Tr0ub4dor&3', 'x'.repeat(200), 'alice-Secret', '\0secret\0', 'ǅemal'];
    for (const sample of samples) {
      for (const failure of check(sample, defaults, { login: 'alice', maxPasswordBytes: 72 })) {
        assert.ok(!failure.msg.includes(sample), `${failure.rule} message leaks the password`);
        assert.ok(!failure.msg.toLowerCase().includes('secret'), `${failure.rule} message leaks part of the password`);
      }
    }
  });
});

describe('Unicode', () => {
  it('Cyrillic and Greek upper and lower case letters count', () => {
    assert.deepEqual(rules('Пароль-секрет1'), [], 'П is uppercase, ароль lowercase');
    assert.deepEqual(rules('пароль-секрет1'), ['uppercase-letters']);
    assert.deepEqual(rules('ПАРОЛЬ-СЕКРЕТ1'), ['lowercase-letters']);
    assert.deepEqual(rules('Σοφία-κωδικός1'), []);
    assert.deepEqual(rules('ΣΟΦΙΑ-ΚΩΔΙΚΟΣ1'), ['lowercase-letters']);
  });

  it('titlecase letters count as uppercase', () => {
    // U+1F88 GREEK CAPITAL ALPHA WITH PSILI AND PROSGEGRAMMENI is \p{Lt} and survives NFKC.
    assert.deepEqual(rules('ᾈbcdefghij1!'), []);
  });

  it('caseless scripts are letters but neither upper nor lower case', () => {
    assert.deepEqual(rules('密码密码密码密码密码1!'), ['lowercase-letters', 'uppercase-letters']);
    assert.deepEqual(rules('كلمةالسرالقوية1!'), ['lowercase-letters', 'uppercase-letters']);
  });

  it('digits of other scripts are numbers: Arabic-Indic, Devanagari', () => {
    assert.deepEqual(rules('Abcdefghij!١'), [], 'U+0661 ARABIC-INDIC DIGIT ONE');
    assert.deepEqual(rules('Abcdefghij!۳'), [], 'U+06F3 EXTENDED ARABIC-INDIC DIGIT THREE');
    assert.deepEqual(rules('Abcdefghij!३'), [], 'U+0969 DEVANAGARI DIGIT THREE');
    assert.deepEqual(rules('Abcdefghij!²'), [], 'superscript two becomes 2 under NFKC');
    assert.deepEqual(rules('Abcdefghij!Ⅻ'), ['numbers'], 'Roman numeral twelve becomes the letters XII under NFKC');
  });

  it('emoji count as special characters, and as one character each', () => {
    assert.deepEqual(rules('Abcdefghij1😀'), []);
    assert.deepEqual(rules('Abcdefghij1👨‍👩‍👧'), [], 'a ZWJ family sequence');
    assert.equal(failureFor('Aa1👨‍👩‍👧', 'minimum-length').actual, 8, 'three emoji and two joiners are five code points');
    const two = resolvePasswordPolicy({ specialCharactersRequired: 2 });
    assert.deepEqual(rules('Abcdefghij1😀😀', two), []);
    assert.deepEqual(rules('Abcdefghij1❤️', two), ['special-characters'], 'a variation selector is not a second special character');
  });

  it('combining marks belong to their letter: not special, one code point after NFKC when composable', () => {
    assert.deepEqual(rules('Abcdefghij1e\u0301'), ['special-characters'], 'an accent is not a special character');
    assert.equal(failureFor('Abcde\u0301', 'minimum-length').actual, 5, 'e + U+0301 composes to é');
    assert.equal(failureFor('Abcdq\u0303', 'minimum-length').actual, 6, 'q + U+0303 has no precomposed form: two code points');
    assert.deepEqual(rules('नमस्ते-दुनिया-1Aa'), [], 'Devanagari vowel signs do not count as special; the hyphens do');
  });

  it('NFD and NFC forms of the same text give the same result after normalizePassword', () => {
    const nfc = 'Ärger-Über-Café1'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    assert.notEqual(nfc, nfd);
    assert.equal(normalizePassword(nfc), normalizePassword(nfd));
    assert.deepEqual(check(nfd), check(nfc));
    assert.deepEqual(check(nfd), []);
    // At the length boundary, an un-normalized NFD form would count its accents as extra characters.
    const short = 'Äbc-Ünd-Öl1'.normalize('NFD');
    assert.deepEqual(rules(short), ['minimum-length'], '11 characters once normalized');
    assert.equal(checkPasswordRules(short, defaults).length, 0, 'un-normalized it would look like 14: why callers must normalize');
  });

  it('normalizePassword is NFKC', () => {
    assert.equal(normalizePassword('Ｐａｓｓｗｏｒｄ１！'), 'Password1!');
    assert.equal(normalizePassword('ﬁx'), 'fix');
    assert.equal(normalizePassword('e\u0301'), '\u00E9');
    assert.equal(normalizePassword('\u3000'), ' ');
  });
});

describe('blocklist settings', () => {
  it('extend adds entries, folded, to the shipped list', () => {
    const policy = resolvePasswordPolicy({ ...NIST_800_63B_REV4, blocklist: { extend: ['Acme-Corp-2024!', 'ＳｅａｓｏｎａｌＰａｓｓ'] } });
    assert.deepEqual(rules('acme-corp-2024!', policy), ['common-password']);
    assert.deepEqual(rules('ACME-CORP-2024!', policy), ['common-password']);
    assert.deepEqual(rules('seasonalpass', policy), ['minimum-length', 'common-password']);
    assert.ok(policy.blocklist.has('password'), 'the shipped entries stay');
    assert.equal(policy.blocklist.size, defaults.blocklist.size + 2);
  });

  it('replace uses only the given entries', () => {
    const policy = resolvePasswordPolicy({ ...NIST_800_63B_REV4, passwordMinimumLength: 1, blocklist: { replace: ['Only-This-One'] } });
    assert.deepEqual(rules('password', policy), []);
    assert.deepEqual(rules('ONLY-THIS-ONE', policy), ['common-password']);
    assert.equal(policy.blocklist.size, 1);
  });

  it('replace and extend together unite, and accept any iterable', () => {
    const policy = resolvePasswordPolicy({
      blocklist: {
        replace: new Set(['alpha-entry']),
        extend: (function* () {
          yield 'beta-entry';
        })(),
      },
    });
    assert.deepEqual([...policy.blocklist].sort(), ['alpha-entry', 'beta-entry']);
  });

  it('blank entries are skipped, so file lines can be passed as they are', () => {
    const policy = resolvePasswordPolicy({ blocklist: { replace: 'one-entry\ntwo-entry\n\n  \n'.split('\n') } });
    assert.deepEqual([...policy.blocklist], ['one-entry', 'two-entry']);
  });

  it('false turns the blocklist off; true and {} mean the shipped list', () => {
    const off = resolvePasswordPolicy({ ...NIST_800_63B_REV4, passwordMinimumLength: 1, blocklist: false });
    assert.equal(off.blocklist.size, 0);
    assert.deepEqual(rules('password', off), []);
    assert.ok(!describePasswordPolicy(off).some((d) => d.rule === 'common-password'));
    assert.equal(resolvePasswordPolicy({ blocklist: true }).blocklist.size, defaults.blocklist.size);
    assert.equal(resolvePasswordPolicy({ blocklist: {} }).blocklist.size, defaults.blocklist.size);
  });

  it('the shipped list holds at least 10,000 distinct entries, already in folded form', () => {
    const entries = [...defaults.blocklist];
    assert.ok(entries.length >= 10_000);
    for (const entry of entries) {
      assert.equal(entry, entry.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC'), entry);
      assert.notEqual(entry.trim(), '');
    }
  });

  it('each policy gets its own blocklist: extending one does not affect another', () => {
    resolvePasswordPolicy({ blocklist: { extend: ['only-in-one-policy'] } });
    assert.ok(!defaults.blocklist.has('only-in-one-policy'));
    assert.ok(!resolvePasswordPolicy().blocklist.has('only-in-one-policy'));
  });
});

describe('resolvePasswordPolicy validation', () => {
  it('refuses unknown options, suggesting the camelCase name of product settings', () => {
    expectSettingsError({ password_minimum_length: 12 }, /unknown option "password_minimum_length".*Did you mean "passwordMinimumLength"/);
    expectSettingsError({ 'letters-required': 1 }, /Did you mean "lettersRequired"/);
    expectSettingsError({ minLength: 12 }, /unknown option "minLength".*Known options: passwordMinimumLength/);
  });

  it('refuses non-integers, naming the option', () => {
    expectSettingsError({ passwordMinimumLength: 12.5 }, /passwordMinimumLength must be a whole number, got 12\.5/);
    expectSettingsError({ numbersRequired: '1' }, /numbersRequired must be a whole number, got string/);
    expectSettingsError({ passwordMaximumLength: Number.POSITIVE_INFINITY }, /passwordMaximumLength must be a whole number/);
    expectSettingsError({ passwordHistory: Number.NaN }, /passwordHistory must be a whole number/);
    expectSettingsError({ passwordHistory: null }, /passwordHistory must be a whole number, got object/);
  });

  it('refuses negative counts and a minimum length below 1', () => {
    expectSettingsError({ uppercaseLettersRequired: -1 }, /uppercaseLettersRequired must be at least 0, got -1/);
    expectSettingsError({ passwordHistory: -5 }, /passwordHistory must be at least 0/);
    expectSettingsError({ passwordMinimumLength: 0 }, /passwordMinimumLength must be at least 1, got 0/);
    expectSettingsError({ passwordMaximumLength: 0 }, /passwordMaximumLength must be at least 1/);
  });

  it('refuses a minimum above the maximum', () => {
    expectSettingsError({ passwordMinimumLength: 200 }, /passwordMinimumLength \(200\) is greater than passwordMaximumLength \(128\).*raise the maximum/);
  });

  it('refuses required characters that cannot fit in the maximum length', () => {
    expectSettingsError({ passwordMinimumLength: 1, passwordMaximumLength: 3 }, /need at least 4 characters.*more than passwordMaximumLength \(3\)/);
    expectSettingsError({ passwordMaximumLength: 20, lettersRequired: 19, numbersRequired: 1, specialCharactersRequired: 1 }, /need at least 21 characters.*lettersRequired/);
    // Letters overlap with upper and lower case: 10 letters can include the 1 + 1 cased ones.
    assert.doesNotThrow(() => resolvePasswordPolicy({ passwordMaximumLength: 12, lettersRequired: 10, numbersRequired: 1, specialCharactersRequired: 1 }));
  });

  it('refuses a non-boolean forbidLogin', () => {
    expectSettingsError({ forbidLogin: 'yes' }, /forbidLogin must be true or false, got string/);
    expectSettingsError({ forbidLogin: null }, /forbidLogin must be true or false, got object/);
  });

  it('refuses malformed blocklist settings', () => {
    expectSettingsError({ blocklist: 'yes' }, /blocklist must be true .*false .*extend/);
    expectSettingsError({ blocklist: ['password'] }, /blocklist must be true .*replace: yourList/);
    expectSettingsError({ blocklist: null }, /blocklist must be/);
    expectSettingsError({ blocklist: { add: ['x'] } }, /unknown blocklist option "add"/);
    expectSettingsError({ blocklist: { extend: 'password' } }, /blocklist\.extend must be an array .*single string/);
    expectSettingsError({ blocklist: { replace: 42 } }, /blocklist\.replace must be an array .*got number/);
    expectSettingsError({ blocklist: { extend: ['ok', 7] } }, /blocklist\.extend must hold only strings, but item 1 is number/);
  });

  it('refuses settings that are not an object', () => {
    expectSettingsError(null, /settings must be an object.*got null/);
    expectSettingsError([], /settings must be an object.*got an array/);
    expectSettingsError('strict', /settings must be an object.*got string/);
  });

  it('treats options set to undefined as their defaults', () => {
    const policy = resolvePasswordPolicy({ passwordMinimumLength: undefined, forbidLogin: undefined, blocklist: undefined } as unknown as PasswordPolicySettings);
    assert.equal(policy.passwordMinimumLength, 12);
    assert.equal(policy.forbidLogin, true);
    assert.ok(policy.blocklist.size >= 10_000);
  });
});

describe('checkPasswordRules argument errors', () => {
  it('refuses a settings object in place of a resolved policy', () => {
    assert.throws(() => checkPasswordRules(GOOD, DEFAULT_PASSWORD_POLICY as unknown as ResolvedPasswordPolicy), /result of resolvePasswordPolicy/);
    assert.throws(() => checkPasswordRules(GOOD, { ...defaults }), /result of resolvePasswordPolicy/);
  });

  it('refuses a non-string password and a bad context', () => {
    assert.throws(() => checkPasswordRules(undefined as unknown as string, defaults), /password must be a string/);
    assert.throws(() => checkPasswordRules(GOOD, defaults, { maxPasswordBytes: 0 }), /maxPasswordBytes must be a positive whole number/);
    assert.throws(() => checkPasswordRules(GOOD, defaults, { maxPasswordBytes: 72.5 }), /maxPasswordBytes/);
    assert.throws(() => checkPasswordRules(GOOD, defaults, { login: 42 as unknown as string }), /context\.login must be a string/);
  });
});

describe('describePasswordPolicy', () => {
  it('rule texts carry no emoji (they render as boxes where no emoji font is installed)', () => {
    const everyRule = resolvePasswordPolicy({ lettersRequired: 1 });
    for (const { msg } of describePasswordPolicy(everyRule, { maxPasswordBytes: 72 })) assert.doesNotMatch(msg, /\p{Extended_Pictographic}/u, msg);
  });

  it('lists the active default rules in order, with their numbers', () => {
    assert.deepEqual(
      describePasswordPolicy(defaults).map((d) => [d.rule, d.expected]),
      [
        ['whitespace-only', undefined],
        ['ill-formed-unicode', undefined],
        ['control-characters', undefined],
        ['minimum-length', 12],
        ['maximum-length', 128],
        ['lowercase-letters', 1],
        ['uppercase-letters', 1],
        ['numbers', 1],
        ['special-characters', 1],
        ['contains-login', undefined],
        ['common-password', undefined],
        ['password-reused', undefined],
      ],
    );
  });

  it('adds maximum-bytes when the hasher limit is given, and drops switched-off rules', () => {
    const withBytes = describePasswordPolicy(defaults, { maxPasswordBytes: 72 });
    assert.deepEqual(withBytes.find((d) => d.rule === 'maximum-bytes')?.expected, 72);
    const lax = resolvePasswordPolicy({ ...NIST_800_63B_REV4, forbidLogin: false, blocklist: false, lettersRequired: 2 });
    assert.deepEqual(
      describePasswordPolicy(lax).map((d) => d.rule),
      ['whitespace-only', 'ill-formed-unicode', 'control-characters', 'minimum-length', 'maximum-length', 'letters', 'password-reused'],
    );
  });

  it('uses the same message a failure of that rule reports', () => {
    const ctx = { login: 'alice', maxPasswordBytes: 72 };
    const described = new Map(describePasswordPolicy(defaults, ctx).map((d) => [d.rule, d.msg]));
    const failures = [...check('', defaults, ctx), ...check(`alice-${'😀'.repeat(200)}`, defaults, ctx), ...check('\0\uD800', defaults, ctx), ...check('password', relaxed)];
    assert.ok(failures.length >= 10);
    for (const failure of failures) assert.equal(failure.msg, described.get(failure.rule), failure.rule);
  });

  it('describes history with its length', () => {
    assert.equal(describePasswordPolicy(defaults).at(-1)?.msg, 'Password must not be the current password or one of the last 5 passwords.');
  });
});

describe('reusedPasswordFailure', () => {
  it('is the failure a caller reports for a reused password', () => {
    assert.deepEqual(reusedPasswordFailure(defaults), {
      rule: 'password-reused',
      msg: 'Password must not be the current password or one of the last 5 passwords.',
    });
    assert.equal(reusedPasswordFailure(resolvePasswordPolicy({ passwordHistory: 1 })).msg, 'Password must not be the current password or the previous one.');
    assert.equal(reusedPasswordFailure(resolvePasswordPolicy({ passwordHistory: 0 })).msg, 'Password must not be the current password.');
  });
});

describe('checkLoginRules', () => {
  const loginRules = (login: string, policy = defaults) => checkLoginRules(login, policy).map((f) => f.rule);

  it('applies the product minimum of 6 and a maximum of 255 code points by default', () => {
    assert.equal(defaults.loginMinimumLength, 6);
    assert.equal(defaults.loginMaximumLength, 255);
    assert.deepEqual(loginRules('abcdef'), []);
    assert.deepEqual(checkLoginRules('abcde', defaults), [{ rule: 'minimum-length', msg: 'Login must be at least 6 characters long.', expected: 6, actual: 5 }]);
    assert.deepEqual(loginRules('é'.repeat(255)), []);
    assert.deepEqual(loginRules('é'.repeat(256)), ['maximum-length']);
    assert.deepEqual(loginRules('a', resolvePasswordPolicy({ loginMinimumLength: 1 })), []);
    assert.deepEqual(checkLoginRules('a', resolvePasswordPolicy({ loginMinimumLength: 1, loginMaximumLength: 1 })), []);
  });

  it('reports failures in LOGIN_RULE_IDS order and never login-taken (the service checks that)', () => {
    const failures = loginRules('\u200B\uD800 x\u0001ｘ ');
    assert.deepEqual(failures, ['ill-formed-unicode', 'control-characters', 'invisible-characters', 'surrounding-whitespace', 'not-normalized']);
    const order = failures.map((rule) => LOGIN_RULE_IDS.indexOf(rule));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
  });

  it('refuses programming errors with a TypeError', () => {
    assert.throws(() => checkLoginRules(42 as unknown as string, defaults), /login must be a string/);
    assert.throws(() => checkLoginRules('abcdef', DEFAULT_PASSWORD_POLICY as unknown as ResolvedPasswordPolicy), /result of resolvePasswordPolicy/);
  });

  it('validates the login length settings', () => {
    expectSettingsError({ loginMinimumLength: 0 }, /loginMinimumLength must be at least 1, got 0/);
    expectSettingsError({ loginMaximumLength: 2.5 }, /loginMaximumLength must be a whole number/);
    expectSettingsError({ loginMinimumLength: 10, loginMaximumLength: 9 }, /loginMinimumLength \(10\) is greater than loginMaximumLength \(9\)/);
    expectSettingsError({ login_minimum_length: 6 } as PasswordPolicySettings, /Did you mean "loginMinimumLength"/);
  });
});
