/**
 * Regression tests for bugs the fuzzers found, each pinned to a plain example.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, snapshot } from './helpers/app.ts';
import { assertDocumentedAnswer } from './helpers/fuzz-support.ts';

const base = '/rbac-api/v1';

describe('fuzz regressions', () => {
  it('a :sid that is not valid percent-encoding is a 400, not a 500', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    for (const sid of ['%', '%%', '%E0%A4%A', '%ZZ', '%ED%A0%80', '%FF']) {
      const res = await request(t.app).post(`${base}/users/${sid}/password/reset`).set('X-Authentication', t.auth.admin);
      assertDocumentedAnswer(res, [400], `sid ${sid}`);
      assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
    }
    assert.equal(snapshot(t), before);
  });

  it('a body whose Content-Encoding does not decode is a 400, not a 500', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    for (const encoding of ['gzip', 'deflate', 'x-gzip']) {
      for (const path of ['/auth/reset', '/command/validate-password']) {
        const res = await request(t.app).post(`${base}${path}`).set('Content-Type', 'application/json').set('Content-Encoding', encoding).send(Buffer.from('{}'));
        assertDocumentedAnswer(res, [400], `${encoding} ${path}`);
        assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
      }
      const res = await request(t.app).put(`${base}/users/current/password`).set('X-Authentication', t.auth.alice).set('Content-Type', 'application/json').set('Content-Encoding', encoding).send(Buffer.from('[]'));
      assertDocumentedAnswer(res, [400], `${encoding} PUT`);
    }
    assert.equal(snapshot(t), before);
  });
});
