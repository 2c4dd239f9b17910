/**
 * The user routes of the product's API, in its shapes: `GET /users`, `GET /users/current`,
 * `GET /users/:sid`, and the `POST /command/users/revoke|reinstate` commands.
 */
import { Router, type Response } from 'express';
import { PasswordApiError } from '../../../lib/index.ts';
import type { Account } from '../../../lib/cli/reference-store.ts';
import { jsonBody } from '../http/json-body.ts';
import { permits } from '../permissions.ts';
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

  const command = (path: string, apply: (id: string, actorId: string, requestId: string) => Promise<boolean>) =>
    router.post(
      path,
      signedIn,
      ...jsonBody('userCommand'),
      handle(async (req, res) => {
        const id = parseId((req.body as { user_id: string }).user_id);
        const principal = principalOf(res);
        if (!permits(principal, 'users:disable', id)) throw new PasswordApiError('permission-denied', 'You do not have permission to revoke or reinstate this user');
        if (!(await apply(id, principal.userId, context.requestId(req)))) throw new PasswordApiError('not-found', `No user with id ${id} exists`);
        res.status(204).end();
      }),
    );

  command('/command/users/revoke', async (id) => {
    if (!(await context.store.userStore.setRevoked(id, true))) return false;
    // A revoked user is refused everywhere anyway; ending the sessions also keeps them ended after a reinstatement.
    await context.store.state.endSessions(id);
    return true;
  });
  command('/command/users/reinstate', (id, actorId, requestId) => context.service.reinstate(id, actorId, { requestId }));
  return router;
}
