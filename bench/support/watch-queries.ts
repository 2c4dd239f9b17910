/**
 * Calls `seen` with the arguments of every `query` sent on any connection of a `pg` Pool (BEGIN
 * and COMMIT included), so a figure can count a route's round trips. Each connection is wrapped
 * once, when the pool makes it.
 */
import type pg from 'pg';

export function watchQueries(pool: pg.Pool, seen: (args: readonly unknown[]) => void): void {
  const wrapped = new WeakSet<object>();
  pool.on('connect', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      seen(args);
      return query(...args);
    };
  });
}
