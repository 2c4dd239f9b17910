import express from 'express';
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { MemoryTokenStore, MemoryUserStore, createPasswordRouter } from '/work/wt/bench/lib/index.ts';
if (process.argv[2] === 'server') {
  const users = new MemoryUserStore();
  const admin = users.createUser({ login: 'a', passwordHash: '$2a$04$abcdefghijklmnopqrstuu5ZvXo0t8qR0E8s0oJ6b8bH9c1T3s4xO' });
  const target = users.createUser({ id: '00000000-0000-4000-8000-000000000001', login: 'b', passwordHash: '$2a$04$abcdefghijklmnopqrstuu5ZvXo0t8qR0E8s0oJ6b8bH9c1T3s4xO' });
  const authorizer = { authenticate: (req: express.Request) => (req.get('x-authentication') === 'admin' ? { userId: admin.id } : null), canResetPassword: () => true };
  const router = createPasswordRouter({ userStore: users, tokenStore: new MemoryTokenStore(), authorizer, tokenKey: 'x'.repeat(40) });
  const auth: express.RequestHandler = (req, res, next) => { Promise.resolve(authorizer.authenticate(req)).then((p) => { if (!p) { res.status(401).end(); return; } res.locals.p = p; next(); }, next); };
  const app = express();
  app.use('/r', router);
  const bare = express.Router();
  bare.post('/users/:sid/password/reset', auth, (_q, res) => { res.status(200).type('text/plain').send('ok'); });
  bare.post('/svc/:sid', auth, async (req, res) => { const t = await router.service.issueResetToken(res.locals.p, String(req.params.sid)); res.status(200).type('text/plain').send(t.token); });
  bare.post('/big/:sid', auth, (_q, res) => { res.status(200).type('text/plain').send('x'.repeat(330)); });
  app.use('/bare', bare);
  const s = app.listen(0, '127.0.0.1', () => process.send!((s.address() as any).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['server']);
  const port = await new Promise((r) => child.once('message', r));
  const sid = '00000000-0000-4000-8000-000000000001';
  const paths = { bare: `/bare/users/${sid}/password/reset`, big: `/bare/big/${sid}`, svc: `/bare/svc/${sid}`, router: `/r/users/${sid}/password/reset` };
  for (let round = 0; round < 2; round++) for (const [k, p] of Object.entries(paths)) {
    const r = await autocannon({ url: `http://127.0.0.1:${port}${p}`, method: 'POST', headers: { 'x-authentication': 'admin' }, connections: 10, duration: 3 });
    console.log(k, Math.round(r.requests.average), r.non2xx);
  }
  child.kill();
}
