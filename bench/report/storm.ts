/** Section 4 of bench/RESULTS.md: the duplicate storm (bench/storm.bench.ts, storm.json). */
import { markdownTable } from '../lib/markdown';
import { formatSpread, spread } from '../lib/stats';
import type { StormResults, StormRun } from '../storm.bench';
import { ms, STACK_LABELS, type Headline, type Target } from './shared';

export function stormSection(storm: StormResults | undefined, targets: Target[], headline: Headline): string[] {
  if (!storm) return [];
  const out: string[] = [];
  out.push('## 4. Duplicate storm', '');
  out.push(
    `${storm.settings.deliveries} deliveries of one commit at ${storm.settings.rate}/s over ${storm.settings.connections} connections ` +
      '(about 2 s), at the real receiver with a worker running the pipeline against the fake Hub and fake AutoTrain; each repetition ' +
      `storms a pipeline of its own. Then the same against the receiver at \`${storm.beforeRef}\`.`,
    '',
  );
  const byReceiver = (name: StormRun['receiver']) => storm.runs.filter((r) => r.receiver === name);
  const rows = (['hub-retrain', 'hub-retrain-before'] as const).flatMap((name) => {
    const runs = byReceiver(name);
    if (!runs.length) return [];
    return [
      [
        STACK_LABELS[name],
        runs.length,
        formatSpread(spread(runs.map((r) => r.wallS)), 2),
        runs.reduce((n, r) => n + r.non2xx, 0),
        ms(spread(runs.map((r) => r.latency.p50))),
        ms(spread(runs.map((r) => r.latency.p99))),
        ms(spread(runs.map((r) => r.latency.max))),
        runs.map((r) => r.retrainRuns).join(', '),
        runs.map((r) => r.projects).join(', '),
        runs.map((r) => r.counters.updates).join(', '),
      ],
    ];
  });
  out.push(
    markdownTable(
      [
        'receiver',
        'storms',
        'seconds',
        'non-2xx',
        'p50 ms',
        'p99 ms',
        'max ms',
        'RetrainWorkflows per storm',
        'projects per storm',
        'signals that reached the pipeline',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l', 'l'],
    ),
    '',
  );
  const ours = byReceiver('hub-retrain');
  const exactlyOne = ours.every((r) => r.retrainRuns === 1 && r.projects === 1 && r.createRequests === 1);
  const p99 = spread(ours.map((r) => r.latency.p99));
  headline.storm = `${ours.length * storm.settings.deliveries} deliveries in ${ours.length} storms: ${ours.reduce((n, r) => n + r.non2xx, 0)} non-2xx, one RetrainWorkflow and one project per storm in ${ours.filter((r) => r.retrainRuns === 1 && r.projects === 1).length} of ${ours.length}, p99 ${ms(p99)} ms`;
  targets.push({
    name: 'duplicate storm',
    goal: 'all 2xx, exactly one run and one project, p99 < 100 ms',
    measured: `${ours.reduce((n, r) => n + r.non2xx, 0)} non-2xx; one run and one project in ${ours.filter((r) => r.retrainRuns === 1 && r.projects === 1).length}/${ours.length} storms; p99 ${ms(p99)} ms`,
    met: ours.length > 0 && ours.every((r) => r.non2xx === 0) && exactlyOne && p99.median < 100,
    whyMissed:
      'Duplicates in flight share one record, so a storm costs one signalWithStart into a busy pipeline workflow after ' +
      'another, and its tail is how long those take on this machine (the p50 above). Next: profile the dev server under ' +
      'the storm; answering a duplicate from memory would save the record but weaken what a 202 promises.',
  });
  return out;
}
