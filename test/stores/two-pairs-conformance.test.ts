/**
 * The conformance suite's second store pair: an adapter made atomic only by an in-process lock
 * passes a single-pair run and fails the two-pair run, naming the cases; the options are checked;
 * a single-pair run says so in the concurrency cases' names.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CONFORMANCE_CASE_IDS, CONFORMANCE_CONCURRENCY_CASE_IDS, conformanceCases, type ConformanceStores } from '../../lib/conformance/index.ts';
import { MemoryTokenStore, MemoryUserStore, type TokenStore } from '../../lib/index.ts';
import { RoundTripMap } from '../helpers/naive-kv-stores.ts';
import { assertRacesNamed, failures, naiveOptions, RACY_CASES } from '../helpers/naive-conformance.ts';

describe('conformance: an adapter atomic only by an in-process mutex', () => {
  it('passes every case with one store pair', async () => {
    const failed = await failures(naiveOptions(() => new RoundTripMap()));
    assert.deepEqual(
      [...failed].map(([id, error]) => `${id}: ${error.message}`),
      [],
    );
  });

  it('fails the concurrency cases with two store pairs on the same data, each failure naming its case', async () => {
    assertRacesNamed(
      await failures(
        naiveOptions(
          () => new RoundTripMap(),
          (first) => first,
        ),
      ),
    );
  });
});

describe('conformance options', () => {
  const memory = async (): Promise<ConformanceStores> => {
    const userStore = new MemoryUserStore();
    return { userStore, tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }), createUser: async (input) => userStore.createUser(input) };
  };

  it('a single-pair run says so in the name of every concurrency case, and only there', () => {
    const cases = conformanceCases({ createStores: memory, singlePairReason: 'kept in one process' });
    for (const c of cases) {
      assert.equal(c.pairs, 1);
      assert.equal(c.concurrent, CONFORMANCE_CONCURRENCY_CASE_IDS.includes(c.id));
      if (c.concurrent) assert.ok(c.name.endsWith('[one store pair: kept in one process]'), c.name);
      else assert.ok(!c.name.includes('[one store pair'), c.name);
    }
    const unexplained = conformanceCases({ createStores: memory }).find((c) => c.id === 'token.redeem-concurrent');
    assert.match(unexplained?.name ?? '', /\[one store pair: no createSecondPair given, so this proves atomicity within one process only\]$/);
  });

  it('a two-pair run names cases by id and title only', () => {
    const cases = conformanceCases({ createStores: memory, createSecondPair: async (first) => first });
    assert.ok(cases.every((c) => c.pairs === 2 && !c.name.includes('[one store pair')));
    assert.deepEqual(
      cases.map((c) => c.id),
      CONFORMANCE_CASE_IDS,
    );
  });

  it('the concurrency cases include the new ones', () => {
    for (const id of [
      ...RACY_CASES,
      'user.lockout-after-outside-reinstatement',
      'token.purge-during-redeem',
      'token.revoke-during-redeem',
      'token.revoke-outstanding-during-redeem',
    ]) {
      assert.ok(CONFORMANCE_CONCURRENCY_CASE_IDS.includes(id), id);
    }
    assert.ok(CONFORMANCE_CASE_IDS.includes('token.expiry-uses-now'));
    for (const id of ['token.list-outstanding', 'token.revoke-outstanding']) assert.ok(CONFORMANCE_CASE_IDS.includes(id) && !CONFORMANCE_CONCURRENCY_CASE_IDS.includes(id), id);
  });

  it('the README lists every case id, marking exactly the concurrency cases with *', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('The cases, by id'), readme.indexOf('This repository runs the suite on'));
    const listed = [...section.matchAll(/`((?:user|token)\.[a-z0-9-]+)`(\*?)/g)];
    assert.deepEqual(
      listed.map(([, id]) => id),
      CONFORMANCE_CASE_IDS,
      'README "Writing an adapter": the case list differs from CONFORMANCE_CASE_IDS (order included)',
    );
    assert.deepEqual(
      listed.filter(([, , star]) => star === '*').map(([, id]) => id),
      CONFORMANCE_CONCURRENCY_CASE_IDS,
      'README "Writing an adapter": the * marks differ from CONFORMANCE_CONCURRENCY_CASE_IDS',
    );
  });

  it('the outstanding-token cases check nothing, and say so, for a store without listOutstanding', async () => {
    const skipped: string[] = [];
    const cases = conformanceCases({
      createStores: async () => {
        const stores = await memory();
        const tokens = stores.tokenStore as MemoryTokenStore;
        // Everything but listOutstanding.
        const tokenStore: TokenStore = {
          issue: (record) => tokens.issue(record),
          find: (id, now) => tokens.find(id, now),
          redeem: (id, now, apply) => tokens.redeem(id, now, apply),
          revokeForUser: (userId) => tokens.revokeForUser(userId),
          revokeOutstanding: (userId, tokenId, now) => tokens.revokeOutstanding(userId, tokenId, now),
        };
        return { ...stores, tokenStore };
      },
      singlePairReason: 'kept in one process',
    }).filter((c) => c.id.includes('outstanding'));
    assert.equal(cases.length, 4);
    for (const c of cases) await c.run({ skip: (message) => void skipped.push(`${c.id}: ${message}`) });
    assert.deepEqual(
      skipped,
      cases.map((c) => `${c.id}: the store has no optional TokenStore.listOutstanding`),
    );
  });

  it('refuses a non-function createSecondPair, both options together, and an empty reason', () => {
    const bad = (options: object) => () => conformanceCases({ createStores: memory, ...options });
    assert.throws(bad({ createSecondPair: 'pool' }), { name: 'TypeError', message: /createSecondPair must be a function/ });
    assert.throws(bad({ createSecondPair: async () => ({}), singlePairReason: 'x' }), { name: 'TypeError', message: /not both/ });
    assert.throws(bad({ singlePairReason: ' ' }), { name: 'TypeError', message: /singlePairReason must be a non-empty string/ });
  });

  it('closes the second pair, then the first, even when the case fails', async () => {
    const closed: string[] = [];
    const failing = conformanceCases({
      createStores: async () => {
        const stores = await memory();
        return { ...stores, createUser: async () => assert.fail('no users here'), cleanup: () => void closed.push('first') };
      },
      createSecondPair: async (stores) => ({ userStore: stores.userStore, tokenStore: stores.tokenStore, cleanup: () => void closed.push('second') }),
    }).find((c) => c.id === 'user.find-by-id');
    await assert.rejects(failing?.run() ?? Promise.resolve(), { name: 'AssertionError', message: /^user\.find-by-id: no users here/ });
    assert.deepEqual(closed, ['second', 'first']);
  });
});
