// The password endpoints in one file: memory stores, two users, and bearer tokens standing in
// for your own sign-in. Run: RESET_TOKEN_KEY=$(openssl rand -base64 32) node app.mjs
import express from 'express';
import { createPasswordRouter, MemoryTokenStore, MemoryUserStore } from 'express-rbac-password';

const users = new MemoryUserStore();
const signedIn = new Map(); // bearer token -> principal; your sessions do this in a real app
const passwords = createPasswordRouter({
  userStore: users,
  tokenStore: new MemoryTokenStore(),
  authorizer: {
    authenticate: (req) => signedIn.get(req.get('Authorization')?.replace(/^Bearer /, '')) ?? null,
    canResetPassword: (principal) => principal.isAdmin, // may this caller issue a reset token?
  },
  tokenKey: process.env.RESET_TOKEN_KEY, // signs reset tokens: 32+ bytes, keep it secret
});

const hash = (password) => passwords.service.hashPassword(password); // bcrypt, policy-normalized
const admin = users.createUser({ login: 'admin', passwordHash: await hash('Admin-Pa55word-2026') });
users.createUser({ id: 'a11ce5e7-0000-4000-8000-000000000001', login: 'alice', passwordHash: await hash('First-Pa55word-2026') });
signedIn.set('admin-token', { userId: admin.id, isAdmin: true });
signedIn.set('alice-token', { userId: 'a11ce5e7-0000-4000-8000-000000000001', isAdmin: false });

const app = express();
app.use('/rbac-api/v1', passwords);
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log(`Listening on http://127.0.0.1:${server.address().port}/rbac-api/v1`));
