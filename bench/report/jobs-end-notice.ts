/** Section 12 of bench/RESULTS.md: a Hugging Face job's end notice (bench/jobs-end-notice.bench.ts, jobs-end-notice.json). */
import type { JobsEndNoticeResults } from '../jobs-end-notice.bench';
import { markdownTable } from '../lib/markdown';
import { formatNumber } from '../lib/stats';
import type { Target } from './shared';

const GOAL_MS = 5_000;
const s = (ms: number, digits = 2) => `${formatNumber(ms / 1000, digits)} s`;

/** The section's lines, and its target pushed onto `targets`; nothing when the bench has not run. */
export function jobsEndNoticeSection(r: JobsEndNoticeResults | undefined, targets: Target[]): string[] {
  if (!r) return [];
  const { notice, watch } = r.summary;
  const ratio = notice.p50 > 0 ? watch.p50 / notice.p50 : NaN;
  targets.push({
    name: "Jobs: a job's end to its run's next stage",
    goal: 'median < 5 s (fake Jobs)',
    measured: `${s(notice.p50)} (max ${s(notice.max)}), ${notice.count} runs`,
    met: notice.p50 < GOAL_MS,
    whyMissed:
      'the job posts its end notice when its command exits; look for the receiver or Temporal being slow to signal',
  });
  return [
    "## 12. Hugging Face Jobs: a job's end to its run's next stage",
    '',
    `On ${r.machine.date.slice(0, 10)}, ${r.machine.cores} cores, load average ${r.conditions.start.loadavg.join(', ')} at the ` +
      `start and ${r.conditions.end?.loadavg.join(', ') ?? 'n/a'} at the end (other helpers' tests were running). ` +
      "In one process: a dev server, the worker, the receiver, the fake Jobs API (which posts a wrapped job's end " +
      'notice as its command exits). Pipeline poll interval 60 s, the checks of a training over two minutes old (60 s ' +
      'apart). From `FakeJobs.end` to the run entering `evaluating`:',
    '',
    markdownTable(
      ['how the run hears of the end', 'runs', 'median', 'p90', 'max'],
      [
        [
          'the job posts its end notice (PUBLIC_URL and the webhook secret known)',
          notice.count,
          s(notice.p50),
          s(notice.p90),
          s(notice.max),
        ],
        [
          "the worker's shared check only (no receiver known)",
          watch.count,
          s(watch.p50, 1),
          s(watch.p90, 1),
          s(watch.max, 1),
        ],
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ),
    '',
    `The notice is **${formatNumber(ratio, 0)}×** faster at the median than the shared check it backs up.`,
    '',
  ];
}
