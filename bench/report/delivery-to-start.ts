/** Section 5 of bench/RESULTS.md: webhook to training start (bench/delivery-to-start.bench.ts, delivery-to-start.json). */
import type { DeliveryResults } from '../delivery-to-start.bench';
import { markdownTable } from '../lib/markdown';
import { formatNumber } from '../lib/stats';
import type { Headline, Target } from './shared';

export function deliveryToStartSection(
  d2s: DeliveryResults | undefined,
  targets: Target[],
  headline: Headline,
): string[] {
  if (!d2s) return [];
  const out: string[] = [];
  out.push('## 5. Webhook to training start', '');
  out.push(
    'From sending a delivery of a new commit to the fake AutoTrain receiving create_project (the call that starts training), ' +
      'with `debounce_seconds: 0`: receiver → signalWithStart → PipelineWorkflow (resolve main on the fake Hub, start the child) → ' +
      'RetrainWorkflow (createProject, addData, startProcessing). "Warm": the pipeline workflow already exists, as in service; ' +
      '"cold": its first delivery starts it. One delivery at a time.',
    '',
    markdownTable(
      ['', 'n', 'median ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        latencyRow('warm', d2s.warm, 0),
        latencyRow('cold', d2s.cold, 0),
        latencyRow('receiver answer (202)', d2s.answer, 1),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  headline.deliveryMedian = `median ${formatNumber(d2s.warm.p50, 0)} ms (p99 ${formatNumber(d2s.warm.p99, 0)} ms)`;
  targets.push({
    name: 'delivery to training start',
    goal: 'median < 1 s',
    measured: `warm median ${formatNumber(d2s.warm.p50, 0)} ms, p99 ${formatNumber(d2s.warm.p99, 0)} ms; cold median ${formatNumber(d2s.cold.p50, 0)} ms`,
    met: d2s.warm.p50 < 1000 && d2s.cold.p50 < 1000,
    whyMissed: 'Next: profile the worker during a delivery (workflow task and activity schedule-to-start latencies).',
  });
  return out;
}

/** A row of n, median, p90, p99 and max. */
function latencyRow(
  label: string,
  l: { count: number; p50: number; p90: number; p99: number; max: number },
  digits: number,
): Array<string | number> {
  return [label, l.count, ...[l.p50, l.p90, l.p99, l.max].map((v) => formatNumber(v, digits))];
}
