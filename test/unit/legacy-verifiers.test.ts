/**
 * The built-in legacy verifiers against published test vectors, plus wrong passwords, tampered
 * hashes, the caps (refused before any work) and the `verifier(...)` helper. Every vector names
 * where it was published; none was made by this library.
 */
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ARGON2_PACKAGE,
  argon2idVerifier,
  bcryptVerifier,
  createWorkerPoolHasher,
  pbkdf2Verifier,
  scryptVerifier,
  verifier,
  type PasswordVerifier,
  type PoolRunner,
} from '../../lib/index.ts';
import { iteratedSha256, iteratedSha256Hash as reference } from '../helpers/iterated-sha256.ts';

const pool = createWorkerPoolHasher({ cost: 4, size: 2 });
after(() => pool.close());

/** A runner that records the jobs it was given and refuses to do any work. */
function refusingRunner(): { run: PoolRunner; jobs: string[] } {
  const jobs: string[] = [];
  const run = (async (kind: string) => {
    jobs.push(kind);
    throw new Error('no work expected');
  }) as PoolRunner;
  return { run, jobs };
}

/** Flips one character of the digest part (the last one that is not padding). */
function tamper(hash: string): string {
  const at = hash.replace(/=+$/, '').length - 2;
  const flipped = hash[at] === 'A' ? 'B' : 'A';
  return hash.slice(0, at) + flipped + hash.slice(at + 1);
}

interface Vector {
  readonly password: string;
  readonly hash: string;
  readonly scheme: string;
}

function vectorCases(name: string, make: () => PasswordVerifier, vectors: readonly Vector[]): void {
  describe(name, () => {
    const v = make();
    for (const vector of vectors) {
      it(`verifies ${vector.hash.slice(0, 32)}…`, async () => {
        const before = pool.stats.completed;
        assert.equal(v.scheme(vector.hash), vector.scheme);
        assert.equal(await v.verify(vector.password, vector.hash, pool.run), true, 'the right password');
        assert.equal(await v.verify(`${vector.password}x`, vector.hash, pool.run), false, 'a wrong password');
        const tampered = await v.verify(vector.password, tamper(vector.hash), pool.run).catch((error: Error) => error.name);
        assert.ok(tampered === false || tampered === 'HashRefusedError', `a tampered hash gave ${String(tampered)}`);
        assert.ok(pool.stats.completed >= before + 2, 'the work ran in the worker pool');
      });
    }
  });
}

// Passlib's own known-correct hashes (passlib/tests/test_handlers.py, pbkdf2_sha256_test and
// pbkdf2_sha512_test; UPASS_WAV there is the Greek name below), and Django 3.2's
// auth_tests/test_hashers.py test_pbkdf2 vector.
vectorCases('PBKDF2 (PHC / passlib / Django)', () => pbkdf2Verifier(), [
  { password: 'password', hash: '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ', scheme: 'pbkdf2-sha256' },
  { password: 'Ιωαννης', hash: '$pbkdf2-sha256$1212$3SABFJGDtyhrQMVt1uABPw$WyaUoqCLgvz97s523nF4iuOqZNbp5Nt8do/cuaa7AiI', scheme: 'pbkdf2-sha256' },
  {
    password: 'password',
    hash: '$pbkdf2-sha512$1212$RHY0Fr3IDMSVO/RSZyb5ow$eNLfBK.eVozomMr.1gYa17k9B7KIK25NOEshvhrSX.esqY3s.FvWZViXz4KoLlQI.BzY/YTNJOiKc5gBYFYGww',
    scheme: 'pbkdf2-sha512',
  },
  {
    password: 'Ιωαννης',
    hash: '$pbkdf2-sha512$1212$KkbvoKGsAIcF8IslDR6skQ$8be/PRmd88Ps8fmPowCJttH9G3vgxpG.Krjt3KT.NP6cKJ0V4Prarqf.HBwz0dCkJ6xgWnSj2ynXSV7MlvMa8Q',
    scheme: 'pbkdf2-sha512',
  },
  { password: 'lètmein', hash: 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=', scheme: 'django-pbkdf2-sha256' },
]);

// Passlib's documentation of passlib.hash.scrypt (docs/lib/passlib.hash.scrypt.rst), and RFC
// 7914 section 12's second scrypt vector ("password", "NaCl", N=1024, r=8, p=16) written as a
// PHC string.
vectorCases('scrypt (PHC)', () => scryptVerifier(), [
  { password: 'password', hash: '$scrypt$ln=8,r=8,p=1$WKs1xljLudd6z9kbY0wpJQ$yCR4iDZYDKv+iEJj6yHY0lv/epnfB6f/w1EbXrsJOuQ', scheme: 'scrypt' },
  {
    password: 'password',
    hash: `$scrypt$ln=10,r=8,p=16$${Buffer.from('NaCl').toString('base64').replace(/=+$/, '')}$${Buffer.from(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      'hex',
    )
      .toString('base64')
      .replace(/=+$/, '')}`,
    scheme: 'scrypt',
  },
]);

// The reference implementation's own tests (P-H-C/phc-winner-argon2, src/test.c, version 0x13,
// salt "somesalt").
vectorCases('argon2id (PHC, via @node-rs/argon2)', () => argon2idVerifier(), [
  { password: 'password', hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', scheme: 'argon2id' },
  { password: 'password', hash: '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc', scheme: 'argon2id' },
  { password: 'differentpassword', hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94', scheme: 'argon2id' },
]);

// OpenBSD's bcrypt regression vectors and crypt_blowfish's (openwall.com/crypt, as passlib's
// test_handlers_bcrypt.py keeps them, including its one $2y$ vector).
vectorCases('bcrypt ($2a$, $2b$, $2y$)', () => bcryptVerifier(), [
  { password: 'U*U', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', scheme: 'bcrypt' },
  { password: 'U*U*U', hash: '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', scheme: 'bcrypt' },
  { password: 'U*U', hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', scheme: 'bcrypt' },
  { password: 'U*U*U*U*', hash: '$2y$05$c92SVSfjeiCD6F2nAD6y0uBpJDjdRkt0EgeC4/31Rf2LUZbDRDE.O', scheme: 'bcrypt' },
]);

describe('caps: parameters above them are refused before any work', () => {
  const cases: [string, PasswordVerifier, string][] = [
    ['PBKDF2 iterations', pbkdf2Verifier({ maxIterations: 1000 }), '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ'],
    ['Django iterations (default cap)', pbkdf2Verifier(), 'pbkdf2_sha256$900000000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='],
    ['scrypt memory', scryptVerifier(), '$scrypt$ln=24,r=8,p=1$WKs1xljLudd6z9kbY0wpJQ$yCR4iDZYDKv+iEJj6yHY0lv/epnfB6f/w1EbXrsJOuQ'],
    [
      'scrypt parallelism',
      scryptVerifier({ maxParallelism: 4 }),
      '$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyev+UqD7m2DYMvfoswGQA',
    ],
    ['argon2id memory', argon2idVerifier(), '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['argon2id time cost', argon2idVerifier(), '$argon2id$v=19$m=65536,t=1000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['argon2id parallelism', argon2idVerifier({ maxParallelism: 2 }), '$argon2id$v=19$m=65536,t=2,p=64$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['bcrypt cost', bcryptVerifier({ maxCost: 10 }), '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ];
  for (const [name, v, hash] of cases) {
    it(name, async () => {
      const { run, jobs } = refusingRunner();
      await assert.rejects(v.verify('password', hash, run), (error: Error) => error.name === 'HashRefusedError' && !error.message.includes(hash));
      assert.deepEqual(jobs, [], 'no job reached the pool');
    });
  }

  it('malformed hashes are refused, never thrown as anything else', async () => {
    const { run, jobs } = refusingRunner();
    for (const [v, hash] of [
      [pbkdf2Verifier(), '$pbkdf2-sha256$x$salt$hash'],
      [pbkdf2Verifier(), '$pbkdf2-sha256$1000$c2FsdA$!!!'],
      [pbkdf2Verifier(), 'pbkdf2_sha256$1000$salt$'],
      [scryptVerifier(), '$scrypt$ln=8,r=8$c2FsdA$aGFzaA'],
      [argon2idVerifier(), '$argon2id$v=19$m=65536$c29tZXNhbHQ$aGFzaA'],
    ] as const) {
      await assert.rejects(v.verify('password', hash, run), { name: 'HashRefusedError' });
    }
    assert.deepEqual(jobs, []);
  });

  it('a derived key shorter than 16 bytes is refused (a truncated hash would match too often)', async () => {
    const { run, jobs } = refusingRunner();
    await assert.rejects(pbkdf2Verifier().verify('password', '$pbkdf2-sha256$1000$c2FsdA$aGFzaA', run), { name: 'HashRefusedError' });
    assert.deepEqual(jobs, []);
  });
});

describe('argon2id needs its optional package', () => {
  it('names the package to install when it cannot be resolved', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-argon2-'));
    assert.throws(
      () => argon2idVerifier({ resolveFrom: join(empty, 'x.js') }),
      (error: Error) => error instanceof TypeError && error.message.includes(`npm install ${ARGON2_PACKAGE}`),
    );
  });
});

describe('verifier(...): a host format in a few lines', () => {
  // An iterated salted SHA-256 as an operator might export it (test/helpers/iterated-sha256.ts), checked
  // against `reference`, the same loop computed on the test's own thread.
  it('recognizes, verifies in the pool, and refuses iterations above the cap', async () => {
    const hash = reference('Old-Product-Pa55!', Buffer.from('a1b2c3d4', 'hex'), 5000);
    assert.equal(iteratedSha256.scheme(hash), 'sha256-iter');
    assert.equal(iteratedSha256.scheme('$2b$04$whatever'), null);
    assert.equal(await iteratedSha256.verify('Old-Product-Pa55!', hash, pool.run), true);
    assert.equal(await iteratedSha256.verify('old-product-pa55!', hash, pool.run), false);
    const { run, jobs } = refusingRunner();
    await assert.rejects(iteratedSha256.verify('x', reference('x', Buffer.from('00', 'hex'), 1).replace('$1$', '$900000000$'), run), { name: 'HashRefusedError' });
    assert.deepEqual(jobs, []);
  });

  it('pbkdf2 through the tools matches node:crypto', async () => {
    const v = verifier({
      scheme: 'custom-pbkdf2',
      recognizes: (hash) => hash.startsWith('cp$'),
      verify: async (password, hash, tools) =>
        tools.equal(await tools.pbkdf2({ password, salt: Buffer.from('salt'), iterations: 10, keyLength: 32, digest: 'sha256' }), Buffer.from(hash.slice(3), 'hex')),
    });
    const hash = `cp$${pbkdf2Sync('pw', 'salt', 10, 32, 'sha256').toString('hex')}`;
    assert.equal(await v.verify('pw', hash, pool.run), true);
  });

  it('refuses a definition that could never work, at once', () => {
    assert.throws(() => verifier({ scheme: 'has space', recognizes: () => true, verify: async () => true }), TypeError);
    assert.throws(() => verifier({ scheme: 'ok', recognizes: 'no' as never, verify: async () => true }), TypeError);
    assert.throws(() => verifier({ scheme: 'ok', recognizes: () => true, verify: async () => true, limits: { maxIterations: 0 } }), TypeError);
  });

  it('a recognizes() that throws counts as not recognized', () => {
    const v = verifier({
      scheme: 'throws',
      recognizes: () => {
        throw new Error('boom');
      },
      verify: async () => true,
    });
    assert.equal(v.scheme('anything'), null);
  });
});
