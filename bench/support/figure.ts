/** What every figure of the benchmark takes and gives back. */

export interface BenchOptions {
  readonly runs: number;
  /** Seconds of measurement per side, where a figure measures for a fixed time. */
  readonly duration: number;
  readonly cost: number;
  readonly log: (line: string) => void;
}

export interface Goal {
  readonly text: string;
  /** null when the figure is recorded without a goal. */
  readonly met: boolean | null;
}

export interface FigureReport {
  readonly id: string;
  readonly title: string;
  /** Markdown table rows, the first being the header. */
  readonly table: (string | number)[][];
  readonly goals: Goal[];
  /** Method and caveats, one paragraph each. */
  readonly notes: string[];
  /** Extra preformatted text (e.g. a sparkline), printed under the table. */
  readonly extra?: string;
}
