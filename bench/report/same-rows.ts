/**
 * Section 9 of bench/RESULTS.md: what measuring the model in service on the same rows adds to a run
 * (bench/same-rows.bench.ts, same-rows.json; issue 23).
 */
import { markdownTable } from '../lib/markdown';
import { formatSpread } from '../lib/stats';
import type { SameRowsResults } from '../same-rows.bench';

export function sameRowsSection(r: SameRowsResults | undefined): string[] {
  if (!r) return [];
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  const ratio = (c: SameRowsResults['cases'][number]) =>
    c.ratio.n > 1 && c.ratio.min !== c.ratio.max
      ? `${percent(c.ratio.median)} (${percent(c.ratio.min)}–${percent(c.ratio.max)})`
      : percent(c.ratio.median);
  const load = (at?: { loadavg: number[] }) => (at ? at.loadavg.map((l) => l.toFixed(2)).join(' ') : 'n/a');
  return [
    '## 9. Measuring the model in service on the same rows',
    '',
    `Each trainer, as the local backend runs it, with the model of an earlier run as RETRAIN_CURRENT_MODEL_DIR: the ` +
      'added time is what the trainer records for loading the model in service and predicting every decision row ' +
      "(comparison.json `seconds.current`), as a share of the rest of the run (the trainer process's wall time less " +
      `that). ${r.reps} run${r.reps === 1 ? '' : 's'} per case, interleaved; load average ${load(r.conditions.start)} at ` +
      `the start, ${load(r.conditions.end)} at the end.`,
    '',
    markdownTable(
      ['trainer', 'data', 'rows both models were measured on', 'run wall time (s)', 'model in service (s)', 'added'],
      r.cases.map((c) => [c.name, c.data, c.rows, formatSpread(c.wall, 2), formatSpread(c.current, 3), ratio(c)]),
      ['l', 'l', 'r', 'r', 'r', 'r'],
    ),
    '',
  ];
}
