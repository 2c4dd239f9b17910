/**
 * Updates bench/RESULTS.md with the figures of a partial run (`--only x --write`): each ran
 * figure's section and goal rows are replaced (or appended), the others are kept as they were,
 * and the header gains a line saying when, how and under what load the partial run was taken.
 */
import type { FigureReport } from './figure.ts';
import { markdownTable } from './stats.ts';

export function mergeResults(existing: string, reports: readonly FigureReport[], runLine: string): string {
  let text = existing;
  for (const report of reports) {
    const heading = `## ${report.title}`;
    const lines = [heading, '', markdownTable(report.table), ''];
    if (report.extra !== undefined) lines.push('```', report.extra, '```', '');
    for (const note of report.notes) lines.push(note, '');
    const section = lines.join('\n');
    // A figure's section runs from its heading to the next one; its id prefix ("6.") finds an older title.
    const prefix = `## ${report.title.split(' ')[0]} `;
    const start = text.indexOf(prefix);
    if (start === -1) text = `${text.trimEnd()}\n\n${section}`;
    else {
      const next = text.indexOf('\n## ', start + 1);
      text = text.slice(0, start) + section + (next === -1 ? '' : text.slice(next + 1));
    }
    const goalRows = report.goals.map((g) => `| ${report.title} | ${g.text} | ${g.met === null ? 'recorded' : g.met ? 'met' : '**missed**'} |`);
    const kept = text.split('\n').filter((line) => !line.startsWith(`| ${report.title.split(' ')[0]} `));
    const tableEnd = kept.findIndex((line, i) => i > kept.indexOf('## Goals') + 2 && line.trim() === '');
    kept.splice(tableEnd, 0, ...goalRows);
    text = kept.join('\n');
  }
  const header = text.indexOf('\n## Goals');
  return `${text.slice(0, header).trimEnd()}\n${runLine}\n${text.slice(header)}`;
}
