/** Section 10 of bench/RESULTS.md: the local predict endpoint during a swap (bench/serving-swap.bench.ts, serving-swap.json). */
import { markdownTable } from '../lib/markdown';
import { formatNumber, spread, formatSpread } from '../lib/stats';
import type { PhaseFigures, ServingSwapResults } from '../serving-swap.bench';

export function servingSection(r: ServingSwapResults | undefined): string[] {
  if (!r || r.reps.length === 0) return [];
  const s = r.settings;
  const phase = (pick: (rep: ServingSwapResults['reps'][number]) => PhaseFigures, name: string) => {
    const figures = r.reps.map(pick);
    return [
      name,
      formatSpread(spread(figures.map((f) => f.perSecond)), 0),
      formatSpread(spread(figures.map((f) => f.latencyMs.p50)), 1, ' ms'),
      formatSpread(spread(figures.map((f) => f.latencyMs.p99)), 1, ' ms'),
      formatNumber(Math.max(...figures.map((f) => f.latencyMs.max)), 1) + ' ms',
      String(figures.reduce((n, f) => n + f.failed, 0)),
    ];
  };
  const failed = r.reps.reduce((n, rep) => n + rep.before.failed + rep.swap.failed + rep.after.failed, 0);
  return [
    '## 10. The local predict endpoint during a swap',
    '',
    `A real receiver serves a baseline text model of the bundled reviews; ${s.clients} clients send one-input ` +
      `\`POST /api/pipelines/:name/predict\` back to back; after ${s.steadySeconds} s the registry's \`current\` is switched ` +
      `to a second model and the receiver loads it beside the first, then swaps. ${s.reps} swaps, back and forth; ` +
      `"swap" runs from the switch until ${s.afterSwapSeconds} s after the new model's first answer. Load average at the ` +
      `start ${r.conditions.start.loadavg.join(', ')}, at the end ${r.conditions.end?.loadavg.join(', ') ?? 'n/a'} (2 cores).`,
    '',
    markdownTable(
      ['phase', 'requests/s', 'p50', 'p99', 'max', 'failed'],
      [
        phase((rep) => rep.before, 'before (old model)'),
        phase((rep) => rep.swap, 'swap (new model loading, then answering)'),
        phase((rep) => rep.after, 'after (new model)'),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `From the switch to the new model's first answer: ${formatSpread(spread(r.reps.map((rep) => rep.swapMs)), 0, ' ms')}. ` +
      `Failed requests over every phase: **${failed}** (target: none).`,
    '',
  ];
}
