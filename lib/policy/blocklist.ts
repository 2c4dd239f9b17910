/**
 * Builds the set of folded common passwords a resolved policy checks against.
 */
import { COMMON_PASSWORDS } from './generated/common-passwords.ts';
import { foldForComparison } from './normalize.ts';

/**
 * A Set that refuses changes after construction. Object.freeze does not stop `Set#add`, and the
 * resolved policy promises to be immutable: a later `add` would silently change every check.
 */
export class ReadonlyStringSet extends Set<string> {
  constructor(values: Iterable<string>) {
    super();
    // super.add reaches Set.prototype.add directly, past the overrides below.
    for (const value of values) super.add(value);
  }

  /** Always throws: build a new policy with `blocklist.extend` instead. */
  override add(_value: string): this {
    throw new TypeError('the policy blocklist is read-only; resolve a new policy with blocklist: { extend: [...] }');
  }

  /** Always throws: build a new policy with `blocklist.replace` instead. */
  override delete(_value: string): boolean {
    throw new TypeError('the policy blocklist is read-only; resolve a new policy with blocklist: { replace: [...] }');
  }

  /** Always throws: build a new policy with `blocklist: false` instead. */
  override clear(): void {
    throw new TypeError('the policy blocklist is read-only; resolve a new policy with blocklist: false');
  }
}

// Split once per process: every policy that uses the shipped list starts from the same entries.
let shipped: readonly string[] | undefined;

/** The shipped entries, already folded by the generator script. */
export function shippedCommonPasswords(): readonly string[] {
  shipped ??= Object.freeze(COMMON_PASSWORDS.split('\n'));
  return shipped;
}

/**
 * Folds and collects host-supplied entries; `option` names the setting in error messages.
 * Throws a TypeError naming the option when an entry is not a string.
 */
export function foldEntries(entries: Iterable<string>, option: string): string[] {
  const folded: string[] = [];
  let index = 0;
  for (const entry of entries) {
    if (typeof entry !== 'string') {
      throw new TypeError(`password policy: ${option} must hold only strings, but item ${index} is ${typeof entry}`);
    }
    const value = foldForComparison(entry);
    // Blank entries would block nothing useful; skipping them lets hosts pass a file's lines as they are.
    if (value.trim() !== '') folded.push(value);
    index += 1;
  }
  return folded;
}
