/**
 * A host that reads every body before the router (`express.text({ type: '*\/*' })`, `express.raw`,
 * a form parser for every type) gets a 400 that says what happened and how to mount the router,
 * not a schema error about the client's JSON; no answer echoes the body, which holds a password.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createPasswordRouter, MemoryTokenStore, MemoryUserStore } from '../../lib/index.ts';
import { SECRET } from '../helpers/app.ts';

const PASSWORD = 'Never-Echoed-Pw-77!';
const body = JSON.stringify({ token: 'abc', password: PASSWORD });

function hostWith(parser: express.RequestHandler) {
  const router = createPasswordRouter({
    userStore: new MemoryUserStore(),
    tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: SECRET,
  });
  const app = express();
  app.use(parser);
  app.use('/rbac-api/v1', router);
  return { app, router };
}

describe('a body parsed by the host before the router', () => {
  for (const [name, parser, words] of [
    ['express.text({ type: "*/*" })', express.text({ type: '*/*' }), /arrived already parsed as text .*express\.text.*Mount the password router before that parser/],
    ['express.raw({ type: "*/*" })', express.raw({ type: '*/*' }), /arrived already parsed as raw bytes .*Mount the password router before that parser/],
  ] as const) {
    it(`${name}: 400 malformed-request saying so, without the body`, async () => {
      const { app, router } = hostWith(parser);
      try {
        const res = await request(app).post('/rbac-api/v1/auth/reset').set('Content-Type', 'application/json').send(body).expect(400);
        assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
        assert.match(res.body.msg, words);
        assert.ok(!res.text.includes(PASSWORD));
      } finally {
        await router.close();
      }
    });
  }

  it('a form parser for every type: the schema error does not echo the body as a property name', async () => {
    const { app, router } = hostWith(express.urlencoded({ extended: false, type: '*/*' }));
    try {
      const res = await request(app).post('/rbac-api/v1/auth/reset').set('Content-Type', 'application/json').send(body).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/schema-violation');
      assert.ok(!res.text.includes(PASSWORD), res.text);
    } finally {
      await router.close();
    }
  });

  it('express.json() mounted first still works as before', async () => {
    const { app, router } = hostWith(express.json());
    try {
      const res = await request(app).post('/rbac-api/v1/auth/reset').set('Content-Type', 'application/json').send(body).expect(403);
      assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-token');
    } finally {
      await router.close();
    }
  });
});
