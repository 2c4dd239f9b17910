/**
 * Property-based fuzzing of reset tokens through HTTP: a legit token with its header, claims or
 * signature mutated (`alg: none`, HS256 with the RSA public key as the secret, `kid` injection,
 * `exp` far in the future, missing `sub`, wrong `purpose`, another key, truncated or bit-flipped
 * signatures), sent to `POST /auth/reset` and `POST /command/validate-password`.
 *
 * Property: only a token signed with one of the instance's keys, under that key's algorithm and
 * kid, with the original subject, id, purpose and issuer, may be accepted; everything else is
 * 403 `invalid-token` (or 400 when the schema refuses it) and changes nothing in storage.
 */
import assert from 'node:assert/strict';
import { createHmac, sign, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { rsaKeyPair } from '../helpers/test-keys.ts';
import { assertDocumentedAnswer, close, fullSnapshot, fuzz, jtiOf, listen } from '../helpers/fuzz-support.ts';

const base = '/rbac-api/v1';
const PASSWORD = 'Token-Fuzz-Pa55word!';

const KEEP = Symbol('keep');
const DROP = Symbol('drop');
type Edit<T> = typeof KEEP | typeof DROP | T;

type Signer = 'real' | 'retired' | 'none' | 'hs-public-pem' | 'hs-public-der' | 'other-rsa' | 'other-hs';
type SigEdit = { kind: 'keep' } | { kind: 'empty' } | { kind: 'truncate'; bytes: number } | { kind: 'flip'; bit: number } | { kind: 'append'; text: string };

interface Mutation {
  readonly alg: Edit<string>;
  readonly kid: Edit<unknown>;
  readonly typ: Edit<unknown>;
  readonly sub: Edit<unknown>;
  readonly jti: Edit<unknown>;
  readonly purpose: Edit<unknown>;
  readonly iat: Edit<unknown>;
  readonly exp: Edit<unknown>;
  readonly iss: Edit<unknown>;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly signer: Signer;
  readonly sig: SigEdit;
  readonly shape: 'keep' | 'extra-segment' | 'spaces' | 'padding';
}

interface Instance {
  readonly name: string;
  readonly t: TestApp;
  readonly server: Server;
  readonly tokenIds: Set<string>;
  token: string;
  /** Signs with the instance's current key (as the legit issuer does). */
  readonly signReal: (data: string) => Buffer;
  /** Signs with a retired key still accepted, if any, and its kid. */
  readonly retired: { readonly kid: string; readonly sign: (data: string) => Buffer } | undefined;
  readonly currentKid: string | undefined;
  readonly publicPem: string;
  readonly publicDer: Buffer;
}

const rsa = rsaKeyPair(0);
const otherRsa = rsaKeyPair(1);
const hs = { current: 'current-secret-current-secret-32b!', retired: 'retired-secret-retired-secret-32b' };
const hmac = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest();
const rsaSign = (key: KeyObject, data: string) => sign('sha256', Buffer.from(data), key);

async function instance(name: string, kind: 'rs256' | 'hs256-rotated'): Promise<Instance> {
  const t = await createTestApp(
    kind === 'rs256' ? { tokenKey: { privateKey: rsa.privateKey } } : { tokenKey: { kid: 'k2', secret: hs.current }, previousTokenKeys: [{ kid: 'k1', secret: hs.retired }] },
  );
  const server = await listen(t.app);
  const i: Instance = {
    name,
    t,
    server,
    tokenIds: new Set(),
    token: '',
    signReal: kind === 'rs256' ? (data) => rsaSign(rsa.privateKey, data) : (data) => hmac(hs.current, data),
    retired: kind === 'rs256' ? undefined : { kid: 'k1', sign: (data) => hmac(hs.retired, data) },
    currentKid: kind === 'rs256' ? undefined : 'k2',
    publicPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicDer: rsa.publicKey.export({ type: 'spki', format: 'der' }),
  };
  await reissue(i);
  return i;
}

async function reissue(i: Instance): Promise<void> {
  i.token = (await i.t.router.service.issueResetToken({ userId: i.t.admin.id, canReset: true }, i.t.alice.id)).token;
  i.tokenIds.add(jtiOf(i.token));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function apply<T>(object: Record<string, unknown>, key: string, edit: Edit<T>): void {
  if (edit === KEEP) return;
  if (edit === DROP) delete object[key];
  else object[key] = edit;
}

/** Builds the mutated token and says whether the oracle allows it to be accepted. */
function forge(i: Instance, m: Mutation): { token: string; mayAccept: boolean } {
  const [h, p] = i.token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const original: Record<string, unknown> = { ...claims };
  const originalAlg = header['alg'];
  apply(header, 'alg', m.alg);
  apply(header, 'kid', m.kid);
  apply(header, 'typ', m.typ);
  for (const [key, edit] of [
    ['sub', m.sub],
    ['jti', m.jti],
    ['purpose', m.purpose],
    ['iat', m.iat],
    ['exp', m.exp],
    ['iss', m.iss],
  ] as const)
    apply(claims, key, edit);
  for (const [key, value] of Object.entries(m.extra)) Object.defineProperty(claims, key, { value, enumerable: true, configurable: true, writable: true });
  const data = `${b64(header)}.${b64(claims)}`;
  let signature: Buffer;
  switch (m.signer) {
    case 'real':
      signature = i.signReal(data);
      break;
    case 'retired':
      signature = i.retired?.sign(data) ?? i.signReal(data);
      break;
    case 'none':
      signature = Buffer.alloc(0);
      break;
    case 'hs-public-pem':
      signature = hmac(i.publicPem, data);
      break;
    case 'hs-public-der':
      signature = hmac(i.publicDer, data);
      break;
    case 'other-rsa':
      signature = rsaSign(otherRsa.privateKey, data);
      break;
    case 'other-hs':
      signature = hmac('another-instance-secret-32-bytes!!', data);
      break;
  }
  switch (m.sig.kind) {
    case 'keep':
      break;
    case 'empty':
      signature = Buffer.alloc(0);
      break;
    case 'truncate':
      signature = signature.subarray(0, Math.max(0, signature.length - m.sig.bytes));
      break;
    case 'flip': {
      signature = Buffer.from(signature);
      if (signature.length > 0) {
        const bit = m.sig.bit % (signature.length * 8);
        signature[bit >> 3] = (signature[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      }
      break;
    }
    case 'append':
      signature = Buffer.concat([signature, Buffer.from(m.sig.text)]);
      break;
  }
  let token = `${data}.${signature.toString('base64url')}`;
  if (m.shape === 'extra-segment') token += '.x';
  if (m.shape === 'spaces') token = ` ${token} `;
  if (m.shape === 'padding') token += '==';

  // The oracle: signed by a key of this instance, as that key signs, and the claims that matter unchanged.
  // Without a retired key, 'retired' signs with the current key (see above).
  const signerKid =
    m.signer === 'real' || (m.signer === 'retired' && i.retired === undefined) ? i.currentKid : m.signer === 'retired' && i.retired !== undefined ? i.retired.kid : null;
  const sameAlg = header['alg'] === originalAlg;
  const kidOk = signerKid !== null && header['kid'] === signerKid;
  const sub = claims['sub'];
  const subOk = typeof sub === 'string' && sub.toLowerCase() === original['sub'];
  const exp = claims['exp'];
  const iat = claims['iat'];
  const timesOk = typeof exp === 'number' && typeof iat === 'number' && Number.isFinite(exp) && exp > iat && exp > i.t.now().getTime() / 1000;
  const mayAccept =
    signerKid !== null &&
    sameAlg &&
    kidOk &&
    m.sig.kind === 'keep' &&
    m.shape === 'keep' &&
    subOk &&
    claims['jti'] === original['jti'] &&
    claims['purpose'] === original['purpose'] &&
    claims['iss'] === original['iss'] &&
    timesOk;
  return { token, mayAccept };
}

const anyJson = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constant({}), fc.constant([]));
const edit = <T>(values: fc.Arbitrary<T>): fc.Arbitrary<Edit<T>> =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(KEEP) }, { weight: 1, arbitrary: fc.constant(DROP) }, { weight: 2, arbitrary: values });

function mutationArb(i: Instance): fc.Arbitrary<Mutation> {
  const now = Math.floor(i.t.now().getTime() / 1000);
  return fc.record({
    alg: edit(fc.constantFrom('none', 'None', 'NONE', 'HS256', 'HS384', 'HS512', 'RS256', 'RS512', 'ES256', 'PS256', 'EdDSA', '', 'hs256')),
    kid: edit(
      fc.oneof(
        fc.constantFrom(
          '../../etc/passwd',
          '../../../../dev/null',
          "' OR '1'='1",
          "k1' --",
          '; DROP TABLE users;--',
          'k1\u0000',
          'k2 ',
          'K2',
          'k1',
          'k2',
          '*',
          '',
          'http://attacker.example/jwks.json',
          '__proto__',
          'constructor',
        ),
        anyJson,
      ),
    ),
    typ: edit(fc.constantFrom('JWT', 'jwt', 'at+jwt', '', null)),
    sub: edit(fc.oneof(fc.constantFrom(i.t.admin.id, i.t.remote.id, i.t.alice.id.toUpperCase(), '00000000-0000-0000-0000-000000000000', '../../etc/passwd', ''), anyJson)),
    jti: edit(fc.oneof(fc.constantFrom('A'.repeat(43), '', "' OR 1=1 --"), fc.base64String({ minLength: 22, maxLength: 60 }), anyJson)),
    purpose: edit(fc.constantFrom('login', 'auth', 'password-reset ', 'Password-Reset', 'access', '', null, ['password-reset'])),
    iat: edit(fc.oneof(fc.integer({ min: now - 10 * 86400, max: now + 10 * 86400 }), fc.constantFrom('0', -1, 1e308, Number.MAX_SAFE_INTEGER))),
    exp: edit(
      fc.oneof(
        fc.constantFrom(now + 100 * 365 * 86400, 253402300799, Number.MAX_SAFE_INTEGER, 1e308, now, now - 1, 0, '9999999999', null),
        fc.integer({ min: now - 86400, max: now + 86400 * 365 }),
      ),
    ),
    iss: edit(fc.constantFrom('someone-else', 'express-rbac-password ', '', null)),
    extra: fc.dictionary(fc.constantFrom('nbf', 'aud', 'scope', 'admin', '__proto__', 'constructor', 'purpose2'), anyJson, { maxKeys: 2 }),
    signer: fc.constantFrom<Signer>('real', 'real', 'real', 'retired', 'none', 'hs-public-pem', 'hs-public-der', 'other-rsa', 'other-hs'),
    sig: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'keep' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((bytes) => ({ kind: 'truncate' as const, bytes })) },
      { weight: 2, arbitrary: fc.nat().map((bit) => ({ kind: 'flip' as const, bit })) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).map((text) => ({ kind: 'append' as const, text })) },
    ),
    shape: fc.constantFrom('keep', 'keep', 'keep', 'keep', 'extra-segment', 'spaces', 'padding'),
  });
}

describe('fuzz: mutated reset tokens', () => {
  const instances: Instance[] = [];
  before(async () => {
    instances.push(await instance('RS256, one key', 'rs256'), await instance('HS256, rotated keys k2 (current) and k1 (retired)', 'hs256-rotated'));
  });
  after(async () => {
    for (const i of instances) await close(i.server);
  });

  for (const [index, label] of ['RS256, one key', 'HS256 with a retired key'].entries()) {
    it(`only the instance's own, unmodified tokens are accepted (${label})`, async () => {
      const i = instances[index] as Instance;
      await fuzz(
        `tokens ${label}`,
        500,
        fc.asyncProperty(mutationArb(i), async (m) => {
          const { token, mayAccept } = forge(i, m);
          const before = fullSnapshot(i.t, i.tokenIds);
          const what = `${i.name} token ${token.slice(0, 400)}`;
          const checked = await request(i.server).post(`${base}/command/validate-password`).send({ password: PASSWORD, reset_token: token });
          assertDocumentedAnswer(checked, [200, 400, 403], `validate ${what}`);
          if (checked.status === 200) assert.ok(mayAccept, `validate-password accepted a forged token: ${what}`);
          else assert.equal(checked.body.kind, checked.status === 403 ? 'puppetlabs.rbac/invalid-token' : 'puppetlabs.rbac/schema-violation', what);
          assert.equal(fullSnapshot(i.t, i.tokenIds), before, `validate changed storage: ${what}`);
          const reset = await request(i.server)
            .post(`${base}/auth/reset`)
            .send({ token, password: `${PASSWORD}-${i.tokenIds.size}` });
          assertDocumentedAnswer(reset, [200, 400, 403], `reset ${what}`);
          if (reset.status === 200) {
            assert.ok(mayAccept, `auth/reset accepted a forged token: ${what}`);
            await reissue(i);
          } else {
            assert.equal(fullSnapshot(i.t, i.tokenIds), before, `reset changed storage: ${what}`);
          }
        }),
      );
    });
  }

  it('the untouched token is accepted by both instances (the oracle is not vacuous)', async () => {
    for (const i of instances) {
      const unchanged: Mutation = {
        alg: KEEP,
        kid: KEEP,
        typ: KEEP,
        sub: KEEP,
        jti: KEEP,
        purpose: KEEP,
        iat: KEEP,
        exp: KEEP,
        iss: KEEP,
        extra: {},
        signer: 'real',
        sig: { kind: 'keep' },
        shape: 'keep',
      };
      const { token, mayAccept } = forge(i, unchanged);
      assert.equal(mayAccept, true);
      await request(i.server).post(`${base}/command/validate-password`).send({ password: PASSWORD, reset_token: token }).expect(200);
      await request(i.server)
        .post(`${base}/auth/reset`)
        .send({ token, password: `${PASSWORD}-${i.currentKid ?? 'rs'}` })
        .expect(200);
    }
  });
});
