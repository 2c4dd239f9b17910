/** Small statistics and formatting helpers shared by the benchmark figures. */

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile (0..1) of `values`, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A one-line sparkline of `values` between their min and max (or `floor`..max). */
export function sparkline(values: readonly number[], floor?: number): string {
  const bars = '▁▂▃▄▅▆▇█';
  const lo = floor ?? Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => bars[hi === lo ? 0 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 7.999))]).join('');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Markdown table from rows of cells (first row is the header). */
export function markdownTable(rows: readonly (readonly (string | number)[])[]): string {
  const [head, ...body] = rows;
  if (head === undefined) return '';
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}
