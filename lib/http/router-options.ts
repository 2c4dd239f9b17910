/** The options of `createPasswordRouter`: the service's, plus the HTTP ones, authentication among them. */
import type { Request } from 'express';
import type { PasswordServiceOptions } from '../options.ts';
import type { Authorizer, Principal } from '../types.ts';

/** The options of `createPasswordRouter`: the service's, plus HTTP ones. */
export interface PasswordRouterOptions<P extends Principal = Principal> extends PasswordServiceOptions<P> {
  /** Required. Authentication (`authenticate(req)`, which only the router calls) and the permission checks. */
  readonly authorizer: Authorizer<P>;
  /** Namespace put in front of every error kind. Default `puppetlabs.rbac/`. */
  readonly errorNamespace?: string;
  /** Largest accepted JSON body, in bytes or as `"16kb"`. Default `"16kb"`; larger bodies get 413. */
  readonly bodyLimit?: number | string;
  /**
   * The request id for logs and events. Default `requestIdOf`: a sane `X-Request-Id` header,
   * else a random UUID, the same for every call on one request.
   */
  readonly requestId?: (req: Request) => string;
  /**
   * Whose hashing work a request is, for the worker pool's fair scheduling and per-key queue
   * bound (past it: 429 `too-many-requests`). Default: the client address (`req.ip`; IPv6 by
   * its /64), so set Express's `trust proxy` behind a proxy. Return e.g. the tenant, or the
   * login; `undefined` or `''` falls back to the default.
   */
  readonly hashFairnessKey?: (req: Request) => string | undefined;
}
