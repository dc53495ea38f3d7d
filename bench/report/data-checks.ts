/** Section 11 of bench/RESULTS.md: the data checks (bench/data-checks.bench.ts, data-checks.json). */
import type { DataChecksResults } from '../data-checks.bench';
import { markdownTable } from '../lib/markdown';
import { formatNumber, formatSpread } from '../lib/stats';
import type { Headline } from './shared';

/** The section's lines; `headline.dataChecks` gets the README's sentence. */
export function dataChecksSection(r: DataChecksResults | undefined, headline: Headline): string[] {
  if (!r) return [];
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
  const million = r.cases.find((c) => c.rows === 1_000_000 && c.name.startsWith('text'));
  const images = r.cases.find((c) => c.name.startsWith('images'));
  const ratios = r.cases.flatMap((c) =>
    c.baseline && !c.baseline.stopped ? [c.checkWall.median / c.baseline.wallSeconds] : [],
  );
  headline.dataChecks =
    `${million ? `a 1,000,000-row CSV checked in ${formatNumber(million.checkWall.median, 1)} s with a peak of ${formatNumber(million.checkRss.median, 0)} MiB; ` : ''}` +
    `${images ? `${images.rows.toLocaleString('en-US')} images (each decoded) in ${formatNumber(images.checkWall.median, 1)} s; ` : ''}` +
    `at most ${formatNumber(Math.max(...ratios), 2)}× the TypeScript baseline's training on the same data (the cheapest training; a ` +
    'transformers fine-tune takes 20 to 40 times as long)';
  return [
    '## 11. Data checks (stage checking-data)',
    '',
    "The trainers' `check-data` command as the worker runs it before a run creates anything, under GNU time (wall " +
      'time, peak resident set of the process), then the TypeScript baseline trained on the same data, the cheapest ' +
      'training hub-retrain runs (a transformers fine-tune takes 20 to 40 times as long, section 8): the ratio is the ' +
      'most the checks add to a run. Text: CSV, 90 % train, 10 % validation of which a tenth is copied from train ' +
      '(the leakage column is what the checks found). Images: PNG and JPEG files, 48 px, three classes in ' +
      '`<split>/<label>/` folders, every one decoded as the trainers decode them. ' +
      `Load average ${r.conditions.start.loadavg.join(', ')} at the start, ${r.conditions.end?.loadavg.join(', ') ?? 'n/a'} ` +
      `at the end (a shared machine: read the ratios, not the seconds). The baseline is stopped after ` +
      `${formatNumber(r.baselineLimitSeconds / 60, 0)} minutes. The commands run from the TypeScript sources (tsx), as ` +
      'in a checkout: the smallest case is mostly the start of the process (Node, tsx, the libraries).',
    '',
    markdownTable(
      ['data', 'size', 'checks s', 'checks peak RSS MiB', 'baseline training s', 'checks ÷ training', 'leakage found'],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  ];
}
