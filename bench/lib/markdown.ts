/** Markdown tables for RESULTS.md. */

export type Cell = string | number;

/** A GitHub-flavoured Markdown table; `align` per column ('l' or 'r', default: numbers right, text left). */
export function markdownTable(headers: readonly string[], rows: readonly Cell[][], align?: ('l' | 'r')[]): string {
  const aligns = headers.map((_, i) => align?.[i] ?? (rows.every((r) => typeof r[i] === 'number') ? 'r' : 'l'));
  const escape = (c: Cell) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly Cell[]) => `| ${cells.map(escape).join(' | ')} |`;
  const rule = `| ${aligns.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`;
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))].join('\n');
}

export interface RatioRow {
  label: string;
  /** Our figure and the other stack's (already formatted). */
  ours: string;
  theirs: string;
  /** The ratio, formatted, and whether it meets the target. */
  ratio: string;
  target?: string;
  met?: boolean;
}

/** The side-by-side table: case, ours, theirs, ratio, target, verdict. */
export function ratioTable(rows: readonly RatioRow[], oursName: string, theirsName: string): string {
  return markdownTable(
    ['case', oursName, theirsName, 'ratio', 'target', 'met'],
    rows.map((r) => [r.label, r.ours, r.theirs, r.ratio, r.target ?? '', verdict(r.met)]),
    ['l', 'r', 'r', 'r', 'l', 'l'],
  );
}

export function verdict(met: boolean | undefined): string {
  if (met === undefined) return '';
  return met ? 'yes' : '**no**';
}
