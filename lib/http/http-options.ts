/**
 * The router's own options (`errorNamespace`, `bodyLimit`, `requestId`, `hashFairnessKey`, and
 * the authorizer's `authenticate`), checked by the one resolver together with the service's.
 */
import { DEFAULTS } from '../config/defaults.ts';
import { functionOption, type OptionProblems, received } from '../config/option-problems.ts';
import type { HttpConfig } from '../config/password-config.ts';
import type { HttpOptionLayer } from '../config/resolve-options.ts';
import type { Principal } from '../types.ts';
import type { PasswordRouterOptions } from './router-options.ts';

const HTTP_KEYS = ['errorNamespace', 'bodyLimit', 'requestId', 'hashFairnessKey'] as const satisfies readonly (keyof PasswordRouterOptions)[];

/** The router's layer of options, for `resolveOptions(options, httpOptions(options))`. */
export function httpOptions<P extends Principal>(options: PasswordRouterOptions<P>): HttpOptionLayer<P> {
  return { keys: HTTP_KEYS, resolve: (problems) => resolveHttp(options, problems) };
}

function resolveHttp<P extends Principal>(options: PasswordRouterOptions<P>, problems: OptionProblems): HttpConfig<P> {
  const { errorNamespace = DEFAULTS.errorNamespace, bodyLimit = DEFAULTS.bodyLimit } = options;
  if (typeof errorNamespace !== 'string')
    problems.add('errorNamespace', 'wrong-type', `must be a string, e.g. "${DEFAULTS.errorNamespace}" or ""; got ${received(errorNamespace)}.`);
  if (typeof bodyLimit !== 'number' && typeof bodyLimit !== 'string') {
    problems.add('bodyLimit', 'wrong-type', `must be a byte count or a string such as "${DEFAULTS.bodyLimit}"; got ${received(bodyLimit)}.`);
  }
  return Object.freeze({
    authorizer: options.authorizer,
    errorNamespace,
    bodyLimit,
    requestId: problems.attempt(() => functionOption('requestId', options.requestId), undefined),
    hashFairnessKey: problems.attempt(() => functionOption('hashFairnessKey', options.hashFairnessKey), undefined),
  });
}
