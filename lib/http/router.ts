/**
 * `createPasswordRouter`: the password endpoints as one Express router (Express 5, and 4.21+).
 * Handlers are thin: parse and check the request, call the service, answer.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { createLogger } from '../log.ts';
import { resolveOptions } from '../config/resolve-options.ts';
import { httpOptions } from './http-options.ts';
import type { PasswordRouterOptions } from './router-options.ts';
import { PasswordService, type OutstandingResetToken } from '../service/password-service.ts';
import type { CallContext } from '../events.ts';
import type { Principal } from '../types.ts';
import { createErrorHandler, toApiError } from './error-response.ts';
import { clientAddressKey } from './fairness-key.ts';
import { earlyRefusalOf } from '../hashing/early-refusal.ts';
import { createJsonBody } from './json-body.ts';
import { requestValidators, type SchemaName } from './schemas.ts';
import { forgotPasswordRoute } from './forgot-password.ts';
import { createAuthentication } from './authentication.ts';
import { asyncHandler as handle, requestIdOf, securityHeaders } from './host-helpers.ts';
import { createTelemetry } from '../telemetry/telemetry.ts';
import { routeTelemetry } from '../telemetry/route-telemetry.ts';

const log = createLogger('http');
/** A token redeemed while an administrator had revoked the account: the password is set, the revocation stays. */
const STILL_REVOKED_MSG = 'The password has been reset, but the account stays revoked: an administrator revoked it, and only an administrator can reinstate it';
/** The same for an account revoked for inactivity (`accountExpiryDays`), reset with a self-service link. */
const STILL_INACTIVE_MSG = 'The password has been reset, but the account stays revoked: it was not used for too long, and only an administrator can reinstate it';

/** The router, with the service behind it (for `verifyLogin` and the other helpers). */
export type PasswordRouter<P extends Principal = Principal> = Router & {
  readonly service: PasswordService<P>;
  /** Stops the default hashing pool; see `PasswordService.close`. */
  close(): Promise<void>;
  /**
   * The `CallContext` the router gives the service for `req`: its request id and its hashing
   * fairness key. Pass it to `service.verifyLogin` on your login route, so sign-ins share the
   * router's fair scheduling and per-client bound.
   */
  callContext(req: Request): CallContext;
  /**
   * The principal behind `req`, as the router's authenticated routes see it: the authorizer's
   * `authenticate` under the store timeout; rejects with 401 `user-unauthenticated` when there is
   * none (503 when the authorizer fails). For a host's own routes; pair it with
   * `assertAccountActive` to refuse revoked and locked accounts as the router does.
   */
  authenticate(req: Request): Promise<P>;
};

/** Creates the router. Throws at once on a wrong or misspelled option. */
export function createPasswordRouter<P extends Principal = Principal>(options: PasswordRouterOptions<P>): PasswordRouter<P> {
  const config = resolveOptions(options, httpOptions(options));
  const http = config.http as NonNullable<typeof config.http>;
  const idOf = http.requestId ?? requestIdOf;
  const authenticate = createAuthentication(http.authorizer, config.storeTimeoutMs);
  const chosenKey = http.hashFairnessKey;
  const keyOf = (req: Request): string => {
    const key = chosenKey?.(req);
    return typeof key === 'string' && key !== '' ? key : clientAddressKey(req);
  };
  const telemetry = createTelemetry(config.telemetry);
  const service = new PasswordService<P>(config, telemetry);
  /** Each route's span and count (README, "Observability"); nothing is mounted when telemetry is off. */
  const traced = routeTelemetry(telemetry, (error) => toApiError(error).kind);
  const operation = traced.operation;

  const router = express.Router() as PasswordRouter<P>;
  /** Parses and validates a JSON body; anything but `application/json` is refused before reading it. */
  const jsonBody = createJsonBody({ limit: http.bodyLimit });
  const body = (schema: SchemaName) => jsonBody(requestValidators[schema]);
  const context = (req: Request): CallContext => ({ requestId: idOf(req), fairnessKey: keyOf(req) });

  router.use(securityHeaders);

  /** Authentication comes before reading any body: anonymous callers cannot make us parse one. */
  const authenticated: RequestHandler = function requireAuthentication(req, res, next) {
    authenticate(req).then((principal) => {
      res.locals['principal'] = principal;
      next();
    }, next);
  };
  const principalOf = (res: Response) => res.locals['principal'] as P;

  /**
   * First on the routes that hash: a client whose fairness key already has its share of the
   * hashing queue waiting (or a full queue) gets the 429 (503) its first job would get, before
   * authentication and before the body is read, so a flood's refused requests cost next to
   * nothing, whatever they hold. Only with the default key, the client address, which needs
   * neither; a host's `hashFairnessKey` may read the body or the session, so its requests are
   * refused where their work is (`verifyLogin` before its lookup, the pool at the first job).
   */
  const refusal = chosenKey === undefined && service.hasher.fairnessKeys === true ? earlyRefusalOf(service.hasher) : undefined;
  const refuseOverShare: RequestHandler[] =
    refusal === undefined
      ? []
      : [
          function refuseOverShare(req, _res, next) {
            const refused = refusal('bcrypt-verify', clientAddressKey(req));
            if (refused === null) next();
            else next(refused);
          },
        ];

  router.post(
    '/users/:sid/password/reset',
    ...operation('issue'),
    authenticated,
    handle(async (req, res) => {
      const issued = await service.issueResetToken(principalOf(res), String(req.params['sid']), context(req));
      if (wantsJson(req)) {
        res.status(200).json({ token: issued.token, ...(issued.link === undefined ? {} : { link: issued.link }) });
      } else {
        // Written directly: an ETag or a 304 makes no sense for a single-use secret.
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.setHeader('Content-Length', Buffer.byteLength(issued.token));
        res.end(issued.token);
      }
    }),
  );

  // Outstanding reset links, for administrators: metadata only, never a token (see outstanding-reset-tokens.ts).
  const resetTokensPath = '/users/:sid/password/reset-tokens';
  router.get(
    resetTokensPath,
    authenticated,
    handle(async (req, res) => {
      const tokens = await service.listResetTokens(principalOf(res), String(req.params['sid']));
      res.status(200).json({ tokens: tokens.map(outstandingTokenJson) });
    }),
  );
  router.delete(
    resetTokensPath,
    authenticated,
    handle(async (req, res) => {
      res.status(200).json({ revoked: await service.revokeResetTokens(principalOf(res), String(req.params['sid']), null, context(req)) });
    }),
  );
  router.delete(
    `${resetTokensPath}/:handle`,
    authenticated,
    handle(async (req, res) => {
      res.status(200).json({ revoked: await service.revokeResetTokens(principalOf(res), String(req.params['sid']), String(req.params['handle']), context(req)) });
    }),
  );

  router.post(
    '/auth/reset',
    ...operation('reset'),
    ...refuseOverShare,
    ...body('resetPassword'),
    handle(async (req, res) => {
      const { token, password } = req.body as { token: string; password: string };
      const { stillRevoked, revokedBy } = await service.resetPassword(token, password, context(req));
      res.status(200).json({ msg: !stillRevoked ? 'The password has been reset' : revokedBy === 'inactivity' ? STILL_INACTIVE_MSG : STILL_REVOKED_MSG });
    }),
  );

  router.put(
    '/users/current/password',
    ...operation('change'),
    ...refuseOverShare,
    authenticated,
    ...body('changePassword'),
    handle(async (req, res) => {
      const { current_password: current, password } = req.body as { current_password: string; password: string };
      await service.changePassword(principalOf(res), current, password, context(req));
      res.status(200).json({ msg: 'The password has been changed' });
    }),
  );

  // No session: the login and the current password are the credential, checked as `verifyLogin`
  // checks a sign-in. The way out of `password-change-required`, which starts no session.
  if (service.changeWithLogin) {
    router.post(
      '/auth/change-password',
      ...refuseOverShare,
      ...body('changePasswordWithLogin'),
      handle(async (req, res) => {
        const { login, current_password: current, password } = req.body as { login: string; current_password: string; password: string };
        await service.changePasswordWithLogin(login, current, password, context(req));
        res.status(200).json({ msg: 'The password has been changed' });
      }),
    );
  }

  router.post(
    '/command/validate-password',
    ...operation('validate'),
    ...body('validatePassword'),
    handle(async (req, res) => {
      const { password, reset_token: resetToken } = req.body as { password: string; reset_token?: string };
      // A valid reset token stands in for authentication; it is checked, not consumed.
      const subject = resetToken === undefined ? { principal: await authenticate(req) } : { resetToken };
      res.status(200).json(await service.validatePassword(password, subject, context(req)));
    }),
  );

  router.post(
    '/command/validate-login',
    ...operation('validate'),
    authenticated,
    ...body('validateLogin'),
    handle(async (req, res) => {
      const { login } = req.body as { login: string };
      res.status(200).json(await service.validateLogin(login, principalOf(res)));
    }),
  );

  const selfService = service.selfServiceReset;
  if (selfService !== null) router.post('/auth/forgot', ...operation('forgot'), ...body('forgotPassword'), forgotPasswordRoute(service, selfService, context));

  router.use(...traced.errors, createErrorHandler(http.errorNamespace));
  Object.defineProperty(router, 'service', { value: service, enumerable: true });
  Object.defineProperty(router, 'close', { value: () => service.close(), enumerable: true });
  Object.defineProperty(router, 'callContext', { value: context, enumerable: true });
  Object.defineProperty(router, 'authenticate', { value: authenticate, enumerable: true });
  log('password router created');
  return router;
}

/** One outstanding token as the API answers it: snake_case, like the product's user object. */
function outstandingTokenJson(token: OutstandingResetToken) {
  return { handle: token.handle, kind: token.kind, issued_at: token.issuedAt.toISOString(), expires_at: token.expiresAt.toISOString(), issued_by: token.issuedBy };
}

/** JSON when the client asks for it over text/plain; no Accept header, or any type, is the fast path to text. */
function wantsJson(req: Request): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept === '*/*') return false;
  return req.accepts(['text/plain', 'application/json']) === 'application/json';
}
