/**
 * Figure 6: legacy hash verification. (a) The time to verify one password against each
 * built-in scheme at today's recommended parameters, next to bcrypt at the configured cost, all
 * in the worker pool (one job at a time, so each figure is one core's time). (b) What the
 * upgrade adds to a sign-in's answer: `verifyLogin` of a PBKDF2 user with `upgradeHashes` on
 * and off, measured alternately in the same run; the upgrade runs after the answer, so the goal
 * is a ratio of 1.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import {
  argon2idVerifier,
  createPasswordService,
  createWorkerPoolHasher,
  MemoryTokenStore,
  MemoryUserStore,
  pbkdf2Verifier,
  scryptVerifier,
  type PasswordVerifier,
} from '../../lib/index.ts';
import { iteratedSha256, iteratedSha256Hash } from '../../test/helpers/iterated-sha256.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round } from '../support/stats.ts';

const PASSWORD = 'Bench-Legacy-Pa55word!';
const SAMPLES_PER_RUN = 5;
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

interface Scheme {
  readonly name: string;
  readonly params: string;
  readonly hash: string;
  readonly verifier: PasswordVerifier | null;
}

/** Each scheme at the parameters its maintainers or OWASP's Password Storage Cheat Sheet recommend today. */
function schemes(cost: number): Scheme[] {
  const salt = randomBytes(16);
  return [
    { name: `bcrypt (primary)`, params: `cost ${cost}`, hash: '', verifier: null },
    {
      name: 'PBKDF2-SHA256 (PHC)',
      params: '600,000 iterations (OWASP)',
      hash: `$pbkdf2-sha256$i=600000$${b64(salt)}$${b64(pbkdf2Sync(PASSWORD, salt, 600_000, 32, 'sha256'))}`,
      verifier: pbkdf2Verifier(),
    },
    {
      name: 'PBKDF2-SHA256 (Django 5.2)',
      params: '1,000,000 iterations',
      hash: `pbkdf2_sha256$1000000$${salt.toString('hex')}$${pbkdf2Sync(PASSWORD, salt.toString('hex'), 1_000_000, 32, 'sha256').toString('base64')}`,
      verifier: pbkdf2Verifier(),
    },
    {
      name: 'PBKDF2-SHA512 (PHC)',
      params: '210,000 iterations (OWASP)',
      hash: `$pbkdf2-sha512$i=210000$${b64(salt)}$${b64(pbkdf2Sync(PASSWORD, salt, 210_000, 64, 'sha512'))}`,
      verifier: pbkdf2Verifier(),
    },
    {
      name: 'scrypt (PHC)',
      params: 'N=2^17, r=8, p=1 (OWASP)',
      hash: `$scrypt$ln=17,r=8,p=1$${b64(salt)}$${b64(scryptSync(PASSWORD, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 2 ** 20 }))}`,
      verifier: scryptVerifier(),
    },
    {
      name: 'argon2id (PHC, @node-rs/argon2)',
      params: 'm=19 MiB, t=2, p=1 (OWASP)',
      hash: argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
      verifier: argon2idVerifier(),
    },
    {
      name: 'iterated salted SHA-256 (verifier(...))',
      params: '100,000 iterations (example)',
      hash: iteratedSha256Hash(PASSWORD, salt, 100_000),
      verifier: iteratedSha256,
    },
  ];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** (a) per-scheme verify times; rows of [scheme, params, median ms, ratio to bcrypt]. */
async function verifyTimes(options: BenchOptions): Promise<(string | number)[][]> {
  const list = schemes(options.cost);
  const pool = createWorkerPoolHasher({ cost: options.cost, size: 1 });
  const bcryptHash = await pool.hash(PASSWORD);
  const perRun = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const medians = new Map<string, number>();
      // Interleaved: one sample of each scheme in turn, so a burst of outside load hits all alike.
      const samples = new Map<string, number[]>();
      for (let i = 0; i < SAMPLES_PER_RUN + 1; i += 1) {
        for (const scheme of list) {
          const ms = await timed(async () => {
            const ok = scheme.verifier === null ? await pool.verify(PASSWORD, bcryptHash) : await scheme.verifier.verify(PASSWORD, scheme.hash, pool.run);
            if (!ok) throw new Error(`${scheme.name} did not verify`);
          });
          // The first round warms the worker up (module loads, JIT) and is dropped.
          if (i > 0) samples.set(scheme.name, [...(samples.get(scheme.name) ?? []), ms]);
        }
      }
      for (const scheme of list) medians.set(scheme.name, median(samples.get(scheme.name) ?? []));
      const base = medians.get(list[0]?.name ?? '') ?? Number.NaN;
      for (const scheme of list) {
        perRun.set(scheme.name, [...(perRun.get(scheme.name) ?? []), medians.get(scheme.name) ?? Number.NaN]);
        ratios.set(scheme.name, [...(ratios.get(scheme.name) ?? []), (medians.get(scheme.name) ?? Number.NaN) / base]);
      }
      options.log(`run ${run}: ${list.map((s) => `${s.name} ${round(medians.get(s.name) ?? Number.NaN, 0)} ms`).join(', ')}`);
    }
  } finally {
    await pool.close();
  }
  return list.map((scheme) => [scheme.name, scheme.params, round(median(perRun.get(scheme.name) ?? []), 0), round(median(ratios.get(scheme.name) ?? []), 2)]);
}

/** (b) the sign-in's answer time with and without the upgrade; median ms each, and the ratio. */
async function upgradeCost(options: BenchOptions): Promise<{ on: number; off: number; ratio: number; upgradeMs: number }> {
  const salt = randomBytes(16);
  const hash = `$pbkdf2-sha256$i=600000$${b64(salt)}$${b64(pbkdf2Sync(PASSWORD, salt, 600_000, 32, 'sha256'))}`;
  const make = (upgradeHashes: boolean) => {
    const users = new MemoryUserStore();
    const service = createPasswordService({
      userStore: users,
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { authenticate: () => null, canResetPassword: () => false },
      tokenKey: 'bench-secret-bench-secret-bench-secret',
      bcryptCost: options.cost,
      legacyHashes: ['pbkdf2'],
      upgradeHashes,
    });
    return { users, service };
  };
  const sides = { on: make(true), off: make(false) };
  const answer = { on: [] as number[], off: [] as number[] };
  const upgrade: number[] = [];
  const ratios: number[] = [];
  let n = 0;
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const runAnswer = { on: [] as number[], off: [] as number[] };
      for (let i = 0; i < SAMPLES_PER_RUN; i += 1) {
        for (const side of (i + run) % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const { users, service } = sides[side];
          const login = `user-${++n}`;
          users.createUser({ login, passwordHash: hash });
          const start = process.hrtime.bigint();
          const result = await service.verifyLogin(login, PASSWORD);
          const answered = Number(process.hrtime.bigint() - start) / 1e6;
          if (!result.ok) throw new Error('sign-in failed');
          // Wait for the upgrade before the next sample, so it never overlaps a measured answer.
          await service.hashUpgradesSettled();
          if (side === 'on') upgrade.push(Number(process.hrtime.bigint() - start) / 1e6 - answered);
          runAnswer[side].push(answered);
        }
      }
      answer.on.push(median(runAnswer.on));
      answer.off.push(median(runAnswer.off));
      ratios.push(median(runAnswer.on) / median(runAnswer.off));
      options.log(`run ${run}: sign-in answer with upgrade ${round(median(runAnswer.on), 0)} ms, without ${round(median(runAnswer.off), 0)} ms`);
    }
  } finally {
    await sides.on.service.close();
    await sides.off.service.close();
  }
  return { on: median(answer.on), off: median(answer.off), ratio: median(ratios), upgradeMs: median(upgrade) };
}

export async function legacyHashesFigure(options: BenchOptions): Promise<FigureReport> {
  const rows = await verifyTimes(options);
  const up = await upgradeCost(options);
  const ratioOk = up.ratio <= 1.1;
  return {
    id: 'legacy',
    title: `6. Legacy hash verification, next to bcrypt at cost ${options.cost}`,
    table: [
      ['scheme', 'parameters', 'verify ms (median)', `ratio to bcrypt ${options.cost}`],
      ...rows,
      ['sign-in of a PBKDF2 user, upgrade on', 'answer time', round(up.on, 0), `${round(up.ratio, 2)} x upgrade off`],
      ['sign-in of a PBKDF2 user, upgrade off', 'answer time', round(up.off, 0), 1],
      ['the upgrade itself, after the answer', `bcrypt ${options.cost} hash + store write`, round(up.upgradeMs, 0), '(not on the answer path)'],
    ],
    goals: [{ text: `the upgrade adds nothing to the sign-in's answer: answer time with upgrade / without <= 1.1 (measured ${round(up.ratio, 2)})`, met: ratioOk }],
    notes: [
      `Verify times: one worker (size 1), one job at a time, ${SAMPLES_PER_RUN} interleaved samples per scheme per run after a dropped warm-up round; each ratio is taken within one run. Everything runs in the hashing pool's worker, none on the main thread.`,
      `Sign-in: \`verifyLogin\` on the memory store with \`legacyHashes: ['pbkdf2']\`, a fresh user holding a PBKDF2-SHA256 (600,000) hash per sample, upgrade on and off alternating; the next sample starts after the upgrade finished, so the "on" answers were not slowed by a neighbour's upgrade. "The upgrade itself" is the time from the answer to the upgrade's store write.`,
    ],
  };
}
