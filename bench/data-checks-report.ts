/** Section 9 of bench/RESULTS.md: the data checks (bench/data-checks.bench.ts), rendered apart from report.ts. */
import type { DataChecksResults } from './data-checks.bench';
import { markdownTable } from './lib/markdown';
import { formatNumber, formatSpread } from './lib/stats';

export function dataChecksSection(r: DataChecksResults): string[] {
  const rows = r.cases.map((c) => {
    const baseline = c.baseline;
    const base = !baseline
      ? 'n/a'
      : baseline.stopped
        ? `> ${formatNumber(r.baselineLimitSeconds, 0)} (stopped)`
        : formatNumber(baseline.wallSeconds, 1);
    const ratio = !baseline
      ? 'n/a'
      : `${baseline.stopped ? '< ' : ''}${formatNumber(c.checkWall.median / baseline.wallSeconds, 3)}`;
    return [
      c.name,
      Number.isFinite(c.bytes) ? `${formatNumber(c.bytes / 2 ** 20, 1)} MiB` : '—',
      formatSpread(c.checkWall, 2),
      formatSpread(c.checkRss, 0),
      base,
      ratio,
      c.leakage ?? 'n/a',
    ];
  });
  return [
    '## 9. Data checks (stage checking-data)',
    '',
    "The trainers' `check-data` command as the worker runs it before a run creates anything, under GNU time (wall " +
      'time, peak resident set of the process), then the TypeScript baseline trained on the same data, the cheapest ' +
      'training hub-retrain runs (a transformers fine-tune takes 20 to 40 times as long, section 8): the ratio is the ' +
      'most the checks add to a run. Text: CSV, 90 % train, 10 % validation of which a tenth is copied from train ' +
      '(the leakage column is what the checks found). Images: PNG and JPEG files, 48 px, three classes in ' +
      '`<split>/<label>/` folders, every one decoded as the trainers decode them. ' +
      `Load average ${r.conditions.start.loadavg.join(', ')} at the start, ${r.conditions.end?.loadavg.join(', ') ?? 'n/a'} ` +
      `at the end (a shared machine: read the ratios, not the seconds). The baseline is stopped after ` +
      `${formatNumber(r.baselineLimitSeconds / 60, 0)} minutes.`,
    '',
    markdownTable(
      ['data', 'size', 'checks s', 'checks peak RSS MiB', 'baseline training s', 'checks ÷ training', 'leakage found'],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  ];
}
