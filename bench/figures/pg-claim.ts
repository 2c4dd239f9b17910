/**
 * Figure 5: PostgreSQL token claims per second at 32 concurrent clients on the real server
 * (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), through
 * `tokenStore.redeem(id, now, apply)`, with a no-op `apply` and with the real one the service
 * runs (`userStore.setPassword` with a ready hash; the service's following `revokeForUser`, one more
 * UPDATE in the same transaction, is left out because it would revoke the loop's next tokens). Statements are
 * counted by wrapping `query` of every pooled connection. Uses its own schema, dropped after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresStores } from '../../lib/postgres/index.ts';
import type { BenchOptions, FigureReport } from '../support/figure.ts';
import { median, round } from '../support/stats.ts';
import { watchQueries } from '../support/watch-queries.ts';

const CLIENTS = 32;
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function pgClaimFigure(options: BenchOptions): Promise<FigureReport> {
  const url = process.env['DATABASE_URL'] || DEFAULT_URL;
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  const counts = new Map<string, number>();
  let counting = false;
  watchQueries(pool, ([text]) => {
    if (counting && typeof text === 'string') {
      const kind = text
        .trim()
        .split(/\s+/, 2)
        .join(' ')
        .replace(/^(UPDATE|INSERT INTO|DELETE FROM) .*/, '$1')
        .replace(/^(SAVEPOINT|RELEASE SAVEPOINT|SET LOCAL) .*/, '$1');
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  });
  const schema = `bench_claim_${randomBytes(4).toString('hex')}`;
  await pool.query(`CREATE SCHEMA "${schema}"`);
  const modes = ['noop', 'setPassword'] as const;
  const rates = new Map<string, number[]>(modes.map((m) => [m, []]));
  const perRedemption = new Map<string, Map<string, number>>();
  try {
    const stores = createPostgresStores(pool, { schema, createUsersTable: true });
    await stores.migrate();
    const tokens = stores.names.tokens;
    const hashes = [`$2a$12$${'a'.repeat(53)}`, `$2a$12$${'b'.repeat(53)}`];
    const users = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => stores.userStore.createUser({ login: `bench-claim-${i}`, passwordHash: hashes[0] as string })));
    const perClient = Math.max(200, options.duration * 200);
    for (let run = 1; run <= options.runs; run += 1) {
      for (const mode of modes) {
        // Outstanding tokens, inserted in bulk (the claim is what is measured, not the issue).
        await pool.query(`DELETE FROM ${tokens}`);
        const now = new Date();
        await pool.query(
          `INSERT INTO ${tokens} (id, user_id, issued_at, expires_at, issued_by, password_stamp)
           SELECT 'r${run}${mode}-' || u.n || '-' || g, u.id, $1, $2, NULL, 'stamp'
             FROM unnest($3::text[]) WITH ORDINALITY AS u(id, n), generate_series(1, $4) AS g`,
          [now, new Date(now.getTime() + 3_600_000), users.map((u) => u.id), perClient],
        );
        await pool.query(`ANALYZE ${tokens}`);
        const current = users.map((u) => u.passwordHash as string);
        counts.clear();
        counting = true;
        let claimed = 0;
        const started = performance.now();
        await Promise.all(
          users.map(async (user, i) => {
            for (let g = 1; g <= perClient; g += 1) {
              const id = `r${run}${mode}-${i + 1}-${g}`;
              const record = await stores.tokenStore.redeem(id, new Date(), async (claimedRecord) => {
                if (mode === 'noop') return;
                const next = current[i] === hashes[0] ? (hashes[1] as string) : (hashes[0] as string);
                const written = await stores.userStore.setPassword(claimedRecord.userId, {
                  passwordHash: next,
                  previousHash: current[i] as string,
                  historySize: 0,
                  reinstate: true,
                });
                if (!written) throw new Error('setPassword lost its compare-and-set');
                current[i] = next;
              });
              if (record === null) throw new Error(`token ${id} was not claimable`);
              claimed += 1;
              void user;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        counting = false;
        const rate = claimed / seconds;
        rates.get(mode)?.push(rate);
        perRedemption.set(mode, new Map([...counts].map(([k, v]) => [k, v / claimed])));
        options.log(
          `pg run ${run} ${mode}: ${claimed} claims in ${round(seconds, 2)} s = ${round(rate, 0)}/s; statements per redemption: ${[...counts].map(([k, v]) => `${k} ${round(v / claimed, 2)}`).join(', ')}`,
        );
      }
    }
  } finally {
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await pool.end();
  }
  const describe = (mode: string) => [...(perRedemption.get(mode) ?? [])].map(([k, v]) => `${k} x${round(v, 2)}`).join(', ');
  const total = (mode: string) => [...(perRedemption.get(mode) ?? [])].reduce((a, [, v]) => a + v, 0);
  const claimStatements = perRedemption.get('noop')?.get('UPDATE') ?? Number.NaN;
  return {
    id: 'pg',
    title: `5. PostgreSQL token claim, ${CLIENTS} concurrent clients`,
    table: [
      ['apply', 'claims/s', 'round trips per redemption', 'statements'],
      ['no-op', round(median(rates.get('noop') ?? []), 0), round(total('noop'), 2), describe('noop')],
      ['real: userStore.setPassword', round(median(rates.get('setPassword') ?? []), 0), round(total('setPassword'), 2), describe('setPassword')],
    ],
    goals: [{ text: `one statement for the claim (measured ${round(claimStatements, 2)} UPDATE ... RETURNING per redemption, plus BEGIN and COMMIT)`, met: claimStatements === 1 }],
    notes: [
      `Real PostgreSQL server (${url.replace(/\/\/[^@]*@/, '//')}), a \`pg\` Pool of ${CLIENTS} connections, ${CLIENTS} concurrent loops each redeeming its own outstanding tokens (inserted in bulk beforehand, one user per loop) one after the other; claims/s = tokens redeemed / wall time. "Round trips" counts every \`query\` sent on a pooled connection during the timed part, divided by redemptions: the transaction's BEGIN and COMMIT are round trips of their own. The real apply nests \`setPassword\`'s transaction inside the claim's as a SAVEPOINT, which adds SAVEPOINT and RELEASE round trips. The service's apply also calls \`tokenStore.revokeForUser\` after \`setPassword\` (one more UPDATE in the same transaction); it is left out here because each loop redeems many tokens of one user and it would revoke them. Schema \`bench_claim_*\`, dropped at the end.`,
    ],
  };
}
