/**
 * Example: a host whose users table holds hashes from earlier systems (Django's PBKDF2, scrypt,
 * argon2id, bcrypt at another cost, and an iterated salted SHA-256 of its own), mounting the
 * router with one option. Users sign in unchanged, and each one's hash becomes bcrypt at the
 * configured cost right after the sign-in. Run it with `npx tsx examples/legacy-hashes/app.ts`
 * (it prints the demo logins); `test/examples/examples.test.ts` drives it.
 */
import { createHash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import express from 'express';
import { createPasswordRouter, MemoryTokenStore, MemoryUserStore, type PasswordEvent, type PasswordRouterOptions } from 'express-rbac-password';
// #region verifier
import { verifier } from 'express-rbac-password';

/**
 * The product's iterated salted SHA-256, as exported by the operator:
 * `pe-sha256$<iterations>$<salt hex>$<digest hex>`, digest = SHA-256 applied `iterations` times,
 * first to salt || password. The product does not publish its stored layout: match this to
 * what your export really holds.
 */
export const productSha256 = verifier({
  scheme: 'pe-sha256',
  recognizes: (hash) => hash.startsWith('pe-sha256$'),
  async verify(password, hash, tools) {
    const [, iterations, salt, digest] = hash.split('$');
    const actual = await tools.iteratedDigest({ algorithm: 'sha256', password, salt: Buffer.from(salt ?? '', 'hex'), iterations: Number(iterations) });
    return tools.equal(actual, Buffer.from(digest ?? '', 'hex'));
  },
});
// #endregion

/** The demo users' password; every one of them is stored in a different format. */
export const DEMO_PASSWORD = 'Legacy-Garden-Pa55!';

/** A users table as an older system left it. */
export function legacyTable(password = DEMO_PASSWORD): MemoryUserStore {
  const salt = randomBytes(16);
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  let digest = createHash('sha256').update(salt).update(password).digest();
  for (let i = 1; i < 10_000; i++) digest = createHash('sha256').update(digest).digest();
  return new MemoryUserStore([
    { login: 'django-dan', passwordHash: `pbkdf2_sha256$600000$${salt.toString('hex')}$${pbkdf2Sync(password, salt.toString('hex'), 600_000, 32, 'sha256').toString('base64')}` },
    { login: 'scrypt-sue', passwordHash: `$scrypt$ln=14,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 }))}` },
    { login: 'product-pat', passwordHash: `pe-sha256$10000$${salt.toString('hex')}$${digest.toString('hex')}` },
  ]);
}

/** Builds the host app around `users`; `options` go to createPasswordRouter. */
export function createApp(users: MemoryUserStore = legacyTable(), options: Partial<PasswordRouterOptions> = {}) {
  const events: PasswordEvent[] = [];
  // #region mount
  const passwords = createPasswordRouter({
    userStore: users,
    tokenStore: new MemoryTokenStore(),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: process.env['RESET_TOKEN_SECRET'] ?? 'example-only-secret-of-at-least-32-bytes',
    legacyHashes: ['pbkdf2', 'scrypt', 'argon2id', productSha256],
    onEvent: (event) => void events.push(event), // password-rehashed: { from: 'django-pbkdf2-sha256', to: 'bcrypt' }
    ...options,
  });
  // #endregion
  const app = express();
  app.use('/rbac-api/v1', passwords);
  // The host's own sign-in, on the login helper: legacy users sign in unchanged.
  app.post('/login', express.json(), async (req, res) => {
    const result = await passwords.service.verifyLogin(String(req.body?.login ?? ''), String(req.body?.password ?? ''));
    res.status(result.ok ? 200 : 401).json(result.ok ? { user: result.user.login } : { error: 'invalid credentials' });
  });
  return { app, passwords, users, events };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = createApp();
  const port = Number(process.env['PORT'] ?? 3000);
  app.listen(port, () => {
    console.log(`legacy-hashes example listening on http://127.0.0.1:${port}`);
    console.log(`try: curl -s localhost:${port}/login -H 'content-type: application/json' -d '{"login":"django-dan","password":"${DEMO_PASSWORD}"}'`);
  });
}
