/**
 * "Did you mean" for a misspelled environment variable or CLI command. The server's own: the
 * library keeps its suggestion helper private, and a host needs nothing more than this.
 */

/** The known name within a typo's reach of `word` (case-insensitive Levenshtein distance), or undefined. */
export function closestName(word: string, known: readonly string[]): string | undefined {
  const reach = Math.max(2, Math.floor(word.length / 3));
  const ranked = known.map((name) => ({ name, distance: levenshtein(word.toLowerCase(), name.toLowerCase()) })).filter((entry) => entry.distance <= reach);
  // The first of the nearest, in the order the names are known.
  return ranked.reduce<(typeof ranked)[number] | undefined>((best, entry) => (best === undefined || entry.distance < best.distance ? entry : best), undefined)?.name;
}

function levenshtein(a: string, b: string): number {
  // One row of the edit-distance table at a time: row[j] is the distance from a's prefix to b's first j characters.
  const target = [...b];
  let row = [...Array(target.length + 1).keys()];
  for (const [i, char] of [...a].entries()) {
    const next = [i + 1];
    for (const [j, other] of target.entries()) next.push(Math.min((row[j + 1] ?? 0) + 1, (next[j] ?? 0) + 1, (row[j] ?? 0) + (char === other ? 0 : 1)));
    row = next;
  }
  return row[target.length] ?? 0;
}
