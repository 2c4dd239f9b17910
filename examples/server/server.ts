/**
 * The reference server as a function: `createServer(config)` opens the store, migrates it,
 * creates the first admin and the seed users, and builds the Express app with the library's
 * router and the server's own routes under `/rbac-api/v1`. Tests start it in-process;
 * `main.ts` starts it from the environment.
 */
import type { Server } from 'node:http';
import createDebug from 'debug';
import express from 'express';
import { createPasswordRouter, requestIdOf, securityHeaders, type Argon2idHasher, type PasswordEvent, type PasswordRouter, type WorkerPoolHasher } from 'express-rbac-password';
import { createOpenApiDocument } from 'express-rbac-password/openapi';
import type { ReferenceConfig } from './config/environment.ts';
import { openReferenceStore, type ReferenceStore } from './storage/reference-store.ts';
import { referenceHasher, referenceServiceOptions } from './config/service-options.ts';
import { SessionAuthorizer, type ServerPrincipal } from './authorizer.ts';
import { bindPort, listeningUrl } from './bind-port.ts';
import { checkSeedLogins, checkSeedPasswords, ensureAdmin, seedSummary, seedUsers } from './bootstrap.ts';
import { apiErrorHandler, notFound } from './http/errors.ts';
import { authTokenRoutes } from './routes/auth-token.ts';
import type { RouteContext } from './routes/context.ts';
import { pageRoutes } from './routes/pages.ts';
import { resetAccountRoutes } from './routes/reset-account.ts';
import { userRoutes } from './routes/users.ts';
import { readSeedFile } from './seed-file.ts';
import { createResetMailer } from './reset-mailer.ts';
import { selfServiceRoutes } from './routes/self-service.ts';
import { createMetricsEndpoint, type MetricsEndpoint } from './metrics.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, trackRequests } from './http/graceful-close.ts';

// Under the package's debug namespace, so DEBUG=express-rbac-password:* shows the server too.
const log = createDebug('express-rbac-password:server');
const audit = createDebug('express-rbac-password:server:audit');

/** Where everything is mounted. */
export const API_BASE = '/rbac-api/v1';

/** Options for embedding and tests. */
export interface ServerOptions {
  /** Where start-up lines go (the generated admin password among them). Default `console.log`. */
  readonly print?: (line: string) => void;
  /** The clock. Default the system clock. */
  readonly now?: () => Date;
  /** Receives the library's audit events, besides the debug log. */
  readonly onEvent?: (event: PasswordEvent) => void;
  /** Milliseconds `close()` lets requests in progress finish before cutting their connections. Default 5000. */
  readonly shutdownGraceMs?: number;
}

/** A built server, not yet listening. */
export interface ReferenceServer {
  readonly app: express.Express;
  readonly store: ReferenceStore;
  readonly router: PasswordRouter<ServerPrincipal>;
  /** The password generated for `admin` on this start, or null (it existed, or RBAC_ADMIN_PASSWORD was used). */
  readonly generatedAdminPassword: string | null;
  /**
   * Serves on `bound` (an HTTP server already listening, see `bindPort`), or else listens on the
   * configured HOST and PORT (PORT 0 picks a free one); resolves the base URL. With
   * RBAC_METRICS_PORT, also serves `GET /metrics` on `boundMetrics`, or else on that port, and
   * resolves its URL as `metricsUrl`. Rejects with `ListenError` when a port cannot be bound.
   */
  listen(bound?: Server, boundMetrics?: Server): Promise<{ readonly url: string; readonly port: number; readonly metricsUrl?: string }>;
  /**
   * Stops listening, lets the requests in progress finish (each answered with `Connection: close`;
   * those still running after `shutdownGraceMs` are cut off), then closes the hashing pool and the store.
   */
  close(): Promise<void>;
}

/** Builds the server. Throws (after closing the store) on a bad seed file or admin password. */
export async function createServer(config: ReferenceConfig, options: ServerOptions = {}): Promise<ReferenceServer> {
  const print = options.print ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => new Date());
  // Checked before opening the store: a bad file should fail fast and change nothing.
  const seed = config.seedFile === undefined ? [] : readSeedFile(config.seedFile);
  const store = await openReferenceStore(config.store);
  // The server's own pool (bcrypt or argon2id by RBAC_HASH), so RBAC_HASH_* can size it; closed with the server.
  const hasher = referenceHasher(config);
  const metrics = config.metricsPort === undefined ? undefined : createMetricsEndpoint();
  try {
    await store.migrate();
    return await build(config, store, hasher, metrics, seed, print, now, options);
  } catch (error) {
    await metrics?.close();
    await hasher.close();
    await store.close();
    throw error;
  }
}

async function build(
  config: ReferenceConfig,
  store: ReferenceStore,
  hasher: WorkerPoolHasher | Argon2idHasher,
  metrics: MetricsEndpoint | undefined,
  seed: ReturnType<typeof readSeedFile>,
  print: (line: string) => void,
  now: () => Date,
  { onEvent, shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_MS }: ServerOptions,
): Promise<ReferenceServer> {
  const authorizer = new SessionAuthorizer(store, { timeoutMinutes: config.sessionTimeoutMinutes, now });
  // Self-service reset only with a mail server: without one the route is off and the page says to ask an admin.
  const mailer = config.smtpUrl === undefined ? undefined : createResetMailer(config.smtpUrl, config.smtpFrom);
  const serviceOptions = await referenceServiceOptions(config, store, hasher);
  const router = createPasswordRouter<ServerPrincipal>({
    ...serviceOptions,
    hasher,
    // Without RBAC_METRICS_PORT: the global providers, which record nothing unless a host registered an SDK.
    ...(metrics === undefined ? {} : { telemetry: { meterProvider: metrics.meterProvider } }),
    ...(mailer === undefined ? {} : { sendResetLink: mailer.sendResetLink, notifyPasswordChanged: mailer.notifyPasswordChanged }),
    authorizer,
    now,
    onEvent: (event) => {
      audit('%s user=%s actor=%s request=%s', event.type, event.userId, event.actorId ?? '-', event.requestId ?? '-');
      onEvent?.(event);
    },
    onPasswordChanged: async (user, info) => {
      // A change keeps the session that made it (the acting principal's); every other one ends.
      const keep = info.via === 'change' ? info.principal?.tokenHash : undefined;
      const ended = await store.state.endSessions(user.id, keep);
      log('password of %s changed (%s): %d other session(s) ended', user.id, info.via, ended);
    },
  });
  const service = router.service;

  const seedWarnings = config.seedFile === undefined ? [] : [...(await checkSeedLogins(config.seedFile, seed, service)), ...checkSeedPasswords(config.seedFile, seed, service)];
  const admin = await ensureAdmin(config, store, service);
  for (const warning of [...admin.warnings, ...seedWarnings]) print(`warning: ${warning}`);
  if (admin.generatedPassword !== null) {
    print(`Created the superuser "admin" with this generated password (shown only this once; change it after signing in):`);
    print(`  ${admin.generatedPassword}`);
  } else if (admin.created) {
    print('Created the superuser "admin" with the password from RBAC_ADMIN_PASSWORD.');
  }
  for (const note of admin.notes) print(note);
  if (config.seedFile !== undefined) print(seedSummary(await seedUsers(seed, store, service)));

  const context: RouteContext = { store, service, authorizer, now, requestId: requestIdOf, callContext: router.callContext, authenticate: router.authenticate };
  const app = express();
  app.disable('x-powered-by');
  // Whom req.ip believes: the client address keys the hashing pool's fair share (RBAC_TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  // Answers of the API may carry tokens: never cached, sniffed, or leaked through Referer (the router's own headers).
  app.use(API_BASE, securityHeaders);
  const openApi = createOpenApiDocument({ serverUrl: API_BASE, selfServiceReset: mailer !== undefined });
  app.get(`${API_BASE}/openapi.json`, (_req, res) => void res.json(openApi));
  app.use(API_BASE, router);
  app.use(API_BASE, pageRoutes(context), selfServiceRoutes(context), resetAccountRoutes(context), authTokenRoutes(context), userRoutes(context));
  app.use(API_BASE, notFound);
  app.use(API_BASE, apiErrorHandler);
  app.get('/', (_req, res) => res.redirect(302, `${API_BASE}/change-password`));

  // Dead reset tokens and expired sessions are deleted hourly; the timer never keeps the process up.
  const purge = setInterval(() => {
    store.purgeExpired(now()).then(
      (counts) => log('purged %d reset token record(s), %d auth token(s)', counts.resetTokens, counts.authTokens),
      (error: unknown) => log('purge failed: %s', (error as Error).name),
    );
  }, 3_600_000);
  purge.unref();

  let server: { close(graceMs: number): Promise<void> } | undefined;
  return {
    app,
    store,
    router,
    generatedAdminPassword: admin.generatedPassword,
    listen: async (bound, boundMetrics) => {
      const listening = bound ?? (await bindPort(config.host, config.port));
      server = trackRequests(listening);
      listening.on('request', app);
      const api = listeningUrl(listening, config.host);
      if (metrics === undefined || config.metricsPort === undefined) return api;
      let metricsServer: Server;
      try {
        metricsServer = boundMetrics ?? (await bindPort(config.host, config.metricsPort, 'RBAC_METRICS_PORT'));
      } catch (error) {
        // Half a start serves nothing: the API port is let go too, unless the caller bound it.
        if (bound === undefined) await new Promise((resolve) => listening.close(resolve));
        server = undefined;
        throw error;
      }
      metrics.serve(metricsServer);
      return { ...api, metricsUrl: `${listeningUrl(metricsServer, config.host).url}/metrics` };
    },
    close: async () => {
      clearInterval(purge);
      // First the requests in progress: they may still write to the store and the hashing pool.
      await server?.close(shutdownGraceMs);
      // Requests already answered 202, and changes already answered, still get their mail before the transport closes.
      await router.service.settled();
      mailer?.close();
      await metrics?.close();
      await hasher.close();
      await store.close();
    },
  };
}
