/**
 * The user routes of the product's API, in its shapes: `GET /users`, `GET /users/current`,
 * `GET /users/:sid`, and the `POST /command/users/revoke|reinstate|require-password-change` commands.
 */
import { Router, type Response } from 'express';
import { PasswordApiError } from 'express-rbac-password';
import type { Account } from '../storage/reference-store.ts';
import { jsonBody } from '../http/json-body.ts';
import type { ServerPrincipal } from '../authorizer.ts';
import { permits } from '../permissions.ts';
import { outranksOrEquals } from '../privilege.ts';
import { handle, principalOf, requireUser, type RouteContext } from './context.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The product's user object. */
export interface UserJson {
  readonly id: string;
  readonly login: string;
  readonly email: string | null;
  readonly display_name: string | null;
  readonly is_remote: boolean;
  readonly is_superuser: boolean;
  readonly is_revoked: boolean;
  /** ISO-8601 UTC, or null when the user never logged in. */
  readonly last_login: string | null;
}

/** A stored account in the product's shape: no hash, counter or other internals. */
export function toUserJson(account: Account): UserJson {
  return {
    id: account.id,
    login: account.login,
    email: account.email,
    display_name: account.displayName,
    is_remote: account.isRemote,
    is_superuser: account.isSuperuser,
    is_revoked: account.isRevoked,
    last_login: account.lastLogin === null ? null : account.lastLogin.toISOString(),
  };
}

function parseId(value: string): string {
  if (!UUID.test(value)) throw new PasswordApiError('invalid-uuid', 'The user id must be a UUID');
  return value.toLowerCase();
}

export function userRoutes(context: RouteContext): Router {
  const router = Router();
  const signedIn = requireUser(context);
  const send = (res: Response, account: Account | null, id: string) => {
    if (account === null) throw new PasswordApiError('not-found', `No user with id ${id} exists`);
    res.status(200).json(toUserJson(account));
  };

  // Any signed-in user may read the directory, as in the product's default roles; nothing secret is in it.
  router.get(
    '/users',
    signedIn,
    handle(async (_req, res) => {
      res.status(200).json((await context.store.listAccounts()).map(toUserJson));
    }),
  );
  router.get(
    '/users/current',
    signedIn,
    handle(async (_req, res) => {
      const { userId } = principalOf(res);
      send(res, await context.store.findAccountById(userId), userId);
    }),
  );
  router.get(
    '/users/:sid',
    signedIn,
    handle(async (req, res) => {
      const id = parseId(String(req.params['sid']));
      send(res, await context.store.findAccountById(id), id);
    }),
  );

  /** `users:disable` on the target, and no escalation (privilege.ts): a superuser is revoked or reinstated only by a superuser. */
  const mayDisable = async (principal: ServerPrincipal, id: string) => permits(principal, 'users:disable', id) && (await outranksOrEquals(context.store, principal, id));
  const refuseDisable = () => new PasswordApiError('permission-denied', 'You do not have permission to revoke or reinstate this user');
  const notFound = (id: string) => new PasswordApiError('not-found', `No user with id ${id} exists`);

  router.post(
    '/command/users/revoke',
    signedIn,
    ...jsonBody('userCommand'),
    handle(async (req, res) => {
      const id = parseId((req.body as { user_id: string }).user_id);
      const principal = principalOf(res);
      if (!(await mayDisable(principal, id))) throw refuseDisable();
      // An administrator's revocation: no reset lifts it, and it kills the user's outstanding reset tokens.
      if (!(await context.service.revoke(id, principal.userId, { requestId: context.requestId(req) }))) throw notFound(id);
      // A revoked user is refused everywhere anyway; ending the sessions also keeps them ended after a reinstatement.
      await context.store.state.endSessions(id);
      res.status(204).end();
    }),
  );

  // The password may have been guessed before the lockout tripped: `with_reset_token: true` also
  // issues a reset token (answered like POST /users/:sid/password/reset in JSON), so the user sets a new one.
  router.post(
    '/command/users/reinstate',
    signedIn,
    ...jsonBody('reinstateCommand'),
    handle(async (req, res) => {
      const { user_id: userId, with_reset_token: withToken } = req.body as { user_id: string; with_reset_token?: boolean };
      const id = parseId(userId);
      const principal = principalOf(res);
      if (!(await mayDisable(principal, id))) throw refuseDisable();
      const call = { requestId: context.requestId(req) };
      if (withToken === true) {
        const issued = await context.service.reinstateWithResetToken(principal, id, call);
        res.status(200).json({ token: issued.token, ...(issued.link === undefined ? {} : { link: issued.link }) });
        return;
      }
      if (!(await context.service.reinstate(id, principal.userId, call))) throw notFound(id);
      res.status(204).end();
    }),
  );
  // `users:reset_password` on the target (and no escalation): the user must choose a new password
  // at the next sign-in. Their sessions end, so the requirement holds from now on, not only later.
  router.post(
    '/command/users/require-password-change',
    signedIn,
    ...jsonBody('userCommand'),
    handle(async (req, res) => {
      const id = parseId((req.body as { user_id: string }).user_id);
      const principal = principalOf(res);
      if (!permits(principal, 'users:reset_password', id) || !(await outranksOrEquals(context.store, principal, id))) {
        throw new PasswordApiError('permission-denied', 'You do not have permission to require a password change of this user');
      }
      if (!(await context.service.requirePasswordChange(id, principal.userId, { requestId: context.requestId(req) }))) throw notFound(id);
      await context.store.state.endSessions(id);
      res.status(204).end();
    }),
  );
  return router;
}
