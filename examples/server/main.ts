/**
 * `npm start`: the reference server, configured by environment variables (see README.md).
 * Bad settings stop the start with a message naming each variable; exit code 1.
 */
import { ConfigError, readEnvironment } from './config/environment.ts';
import { DatabaseOpenError } from './storage/database.ts';
import { API_BASE, createServer } from './server.ts';
import { BootstrapError } from './bootstrap.ts';
import { bindPort, ListenError } from './bind-port.ts';
import { SeedFileError } from './seed-file.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS } from './http/graceful-close.ts';

async function main(): Promise<void> {
  const config = readEnvironment();
  for (const warning of config.warnings) console.warn(`warning: ${warning}`);
  // The port first: a busy one must stop the start before the store is opened or an admin created.
  const bound = await bindPort(config.host, config.port);
  const boundMetrics = config.metricsPort === undefined ? undefined : await bindPort(config.host, config.metricsPort, 'RBAC_METRICS_PORT');
  const where = config.store.kind === 'memory' ? 'memory (lost on exit)' : config.store.kind === 'pglite' ? `PGlite in ${config.store.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  console.log(`Opening the store: ${where}`);
  const server = await createServer(config);
  const { url, metricsUrl } = await server.listen(bound, boundMetrics);
  console.log(`express-rbac-password reference server listening on ${url}${API_BASE}`);
  console.log(`  change-password page: ${url}${API_BASE}/change-password`);
  if (config.publicUrl === undefined) console.log('  reset links: off (set RBAC_PUBLIC_URL to the reset page URL to include a link with each token)');
  else console.log(`  reset links point at: ${config.publicUrl}`);
  console.log(
    config.smtpUrl === undefined
      ? '  self-service reset: off (set RBAC_SMTP_URL to mail reset links and password-change notices)'
      : `  self-service reset: on, links and password-change notices mailed from ${config.smtpFrom}`,
  );
  console.log(metricsUrl === undefined ? '  metrics: off (set RBAC_METRICS_PORT to serve GET /metrics)' : `  metrics: ${metricsUrl}`);
  if (config.hash === 'argon2id') console.log('  new password hashes: argon2id (m=19456 KiB, t=2, p=1); bcrypt ones are replaced at sign-in');
  if (config.breachedPasswordsUrl !== undefined) console.log(`  breached-password check: ${config.breachedPasswordsUrl} (on failure: ${config.breachedPasswordsOnError})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping`);
    // Requests in progress get DEFAULT_SHUTDOWN_GRACE_MS to finish; a store that then hangs on closing must not keep the process up.
    setTimeout(() => {
      console.error('express-rbac-password server: did not stop in time; exiting');
      process.exit(1);
    }, DEFAULT_SHUTDOWN_GRACE_MS + 5_000).unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const known =
    error instanceof ConfigError || error instanceof SeedFileError || error instanceof BootstrapError || error instanceof DatabaseOpenError || error instanceof ListenError;
  console.error(`express-rbac-password server: ${known ? (error as Error).message : `failed to start: ${(error as Error)?.message ?? String(error)}`}`);
  process.exit(1);
});
