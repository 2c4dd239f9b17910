/**
 * The one check of the reset page's URL (`publicUrl`), used by the library and, through the
 * public `publicUrlProblem`, by the reference server's `RBAC_PUBLIC_URL`, so the two cannot drift.
 */
import type { OptionProblem } from '../errors.ts';
import { received } from './option-problems.ts';

/**
 * What is wrong with `value` as the reset page's URL, or undefined when it is fine: an absolute
 * http(s) URL without a fragment (the token goes in the fragment). A query is allowed and kept
 * (`https://example.com/reset?lang=de#token=…`): it does not touch the token, and pages that
 * already take one keep working.
 */
export function publicUrlProblem(value: unknown, option = 'publicUrl'): OptionProblem | undefined {
  const problem = (code: OptionProblem['code'], text: string): OptionProblem => ({ option, code, message: `${option} ${text}` });
  if (typeof value !== 'string') return problem('wrong-type', `must be an absolute http(s) URL string; got ${received(value)}.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem('invalid-value', `must be an absolute http(s) URL, e.g. https://rbac.example.com/reset-password; got ${received(value)}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return problem('invalid-value', `must use http or https; got ${received(url.protocol.slice(0, -1))}.`);
  if (url.hash !== '' || value.includes('#')) return problem('invalid-value', 'must not have a fragment: the token goes there.');
  return undefined;
}
