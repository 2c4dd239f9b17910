/**
 * `RBAC_HASH` on the reference server: `argon2id` makes new hashes in argon2id at OWASP's
 * parameters, sign-in works, a bcrypt hash from before is replaced at its first sign-in (a
 * wrong password changes nothing); a bad value stops the start naming the variable.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { ConfigError, readEnvironment } from '../../examples/server/config/environment.ts';
import { ALICE_PASSWORD, BASE_ENV, NEW_PASSWORD, ROOT, runProcess, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const json = { 'Content-Type': 'application/json' };
const OWASP = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

describe('reference server with RBAC_HASH=argon2id', () => {
  let running: RunningServer;
  before(async () => {
    const seed = path.join(tempDir('argon2id'), 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({
        users: [
          { login: 'alice', password: ALICE_PASSWORD },
          { login: 'carol', password_hash: bcrypt.hashSync(ALICE_PASSWORD, 4) },
        ],
      }),
    );
    running = await startServer({ RBAC_STORE: 'memory', RBAC_SEED: seed, RBAC_HASH: 'argon2id' });
  });
  after(() => running?.close());

  const hashOf = async (login: string) => (await running.server.store.userStore.findByLogin?.(login))?.passwordHash ?? '';
  const signIn = (login: string, password: string) => request(running.base).post('/auth/token').set(json).send({ login, password });

  it('seeds and changes passwords as argon2id at m=19456 KiB, t=2, p=1, and they sign in', async () => {
    assert.match(await hashOf('alice'), OWASP);
    const session = (await signIn('alice', ALICE_PASSWORD).expect(200)).body.token as string;
    await request(running.base)
      .put('/users/current/password')
      .set(json)
      .set('X-Authentication', session)
      .send({ current_password: ALICE_PASSWORD, password: NEW_PASSWORD })
      .expect(200);
    assert.match(await hashOf('alice'), OWASP);
    await signIn('alice', NEW_PASSWORD).expect(200);
    await signIn('alice', ALICE_PASSWORD).expect(401);
  });

  it('a bcrypt hash from before signs in and becomes argon2id; a wrong password first leaves it', async () => {
    const old = await hashOf('carol');
    await signIn('carol', 'Wrong-Garden-Pw-1!').expect(401);
    await running.server.router.service.hashUpgradesSettled();
    assert.equal(await hashOf('carol'), old);
    await signIn('carol', ALICE_PASSWORD).expect(200);
    await running.server.router.service.hashUpgradesSettled();
    assert.match(await hashOf('carol'), OWASP);
    await signIn('carol', ALICE_PASSWORD).expect(200);
  });
});

describe('RBAC_HASH values', () => {
  it('defaults to bcrypt, and refuses anything but bcrypt or argon2id', () => {
    assert.equal(readEnvironment({ RBAC_STORE: 'memory' }, ROOT).hash, 'bcrypt');
    assert.equal(readEnvironment({ RBAC_STORE: 'memory', RBAC_HASH: 'argon2id' }, ROOT).hash, 'argon2id');
    assert.throws(
      () => readEnvironment({ RBAC_STORE: 'memory', RBAC_HASH: 'md5' }, ROOT),
      (error: unknown) => error instanceof ConfigError && /RBAC_HASH must be one of bcrypt, argon2id; got "md5"/.test(error.message),
    );
  });

  it('a bad value stops the server at start, naming the variable', async () => {
    const result = await runProcess([path.join('examples', 'server', 'main.ts')], { ...BASE_ENV, RBAC_STORE: 'memory', RBAC_HASH: 'scrypt' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /RBAC_HASH must be one of bcrypt, argon2id; got "scrypt"/);
  });
});
