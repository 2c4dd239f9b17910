/**
 * Run by test/http/telemetry.test.ts in a child process where `@opentelemetry/api` cannot be
 * resolved (block-otel-api.cjs): the router is used as a host without the package would, and
 * what happened is printed as one JSON line.
 */
import { createRequire } from 'node:module';
import request from 'supertest';
import { PasswordOptionsError } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD } from './app.ts';

let apiLoadable = true;
try {
  createRequire(import.meta.url)('@opentelemetry/api');
} catch {
  apiLoadable = false;
}
const base = '/rbac-api/v1';
const t = await createTestApp();
const issued = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json');
const reset = await request(t.app)
  .post(`${base}/auth/reset`)
  .send({ token: (issued.body as { token: string }).token, password: OTHER_GOOD_PASSWORD });
const signIn = await t.router.service.verifyLogin('admin', GOOD_PASSWORD);
const off = await createTestApp({ telemetry: false });
const disabled = await request(off.app).post(`${base}/command/validate-password`).set('X-Authentication', off.auth.alice).send({ password: 'short' });
let providers: string[] = [];
try {
  await createTestApp({ telemetry: { meterProvider: { getMeter: () => ({}) } } });
} catch (error) {
  if (error instanceof PasswordOptionsError) providers = error.problems.map((p) => `${p.option}: ${p.code}`);
}
await t.router.close();
await off.router.close();
// On a line of its own: the test helpers load node:test, which prints its own report too.
process.stdout.write(`\nRESULT ${JSON.stringify({ apiLoadable, issue: issued.status, reset: reset.status, signIn: signIn.ok, disabled: disabled.status, providers })}\n`);
