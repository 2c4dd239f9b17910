/**
 * Regression tests for bugs the fuzzers found, each pinned to a plain example.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, snapshot } from '../helpers/app.ts';
import { assertDocumentedAnswer } from '../helpers/fuzz-support.ts';

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
        const res = await request(t.app)
          .post(`${base}${path}`)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .serialize((b: unknown) => b as string)
          .send(Buffer.from('{}'));
        assertDocumentedAnswer(res, [400], `${encoding} ${path}`);
        assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
      }
      const res = await request(t.app)
        .put(`${base}/users/current/password`)
        .set('X-Authentication', t.auth.alice)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .serialize((b: unknown) => b as string)
        .send(Buffer.from('[]'));
      assertDocumentedAnswer(res, [400], `${encoding} PUT`);
    }
    assert.equal(snapshot(t), before);
  });

  it('a body that is not UTF-8 is a 400 malformed-request, never decoded to U+FFFD', async () => {
    const t = await createTestApp();
    const token = (await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
    const before = snapshot(t);
    const invalid = Buffer.concat([Buffer.from(`{"token":${JSON.stringify(token)},"password":"Correct-Horse-`), Buffer.from([0xff, 0xfe]), Buffer.from('-Battery-42"}')]);
    const cases: Array<[string, Buffer, string]> = [
      ['/auth/reset', invalid, 'application/json'],
      ['/command/validate-password', Buffer.from([0x7b, 0x22, 0x70, 0x61, 0x73, 0x73, 0x77, 0x6f, 0x72, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'application/json'],
      ['/command/validate-password', Buffer.from('{"password":"x"}', 'utf16le'), 'application/json; charset=utf-16le'],
      ['/command/validate-password', Buffer.from('{"password":"x"}'), 'application/json; charset=utf-32'],
    ];
    for (const [path, body, type] of cases) {
      const res = await request(t.app)
        .post(`${base}${path}`)
        .set('X-Authentication', t.auth.alice)
        .set('Content-Type', type)
        .serialize((b: unknown) => b as string)
        .send(body);
      assertDocumentedAnswer(res, [400], `${path} ${type}`);
      assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
    }
    assert.equal(snapshot(t), before);
    // UTF-8 with an explicit charset, in any case, still works.
    await request(t.app)
      .post(`${base}/command/validate-password`)
      .set('X-Authentication', t.auth.alice)
      .set('Content-Type', 'application/json; charset=UTF-8')
      .send('{"password":"Caf\u00e9-Pa55word-Long!"}')
      .expect(200);
  });
});
