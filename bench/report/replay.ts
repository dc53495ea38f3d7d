/** Section 7 of bench/RESULTS.md: the cost of replaying the checked-in histories (bench/replay.bench.ts, replay.json). */
import { markdownTable } from '../lib/markdown';
import type { ReplayResults } from '../replay.bench';
import { ms } from './shared';

export function replaySection(replay: ReplayResults | undefined): string[] {
  if (!replay) return [];
  const out: string[] = [];
  out.push('## 7. Replay cost', '');
  out.push(
    `Replaying the ${replay.histories.length} checked-in histories (${replay.totalEvents} events) against the current workflow code, ` +
      `${replay.settings.reps} repetitions after one warm-up replay: all through one replay worker ` +
      `(\`Worker.runReplayHistories\`) **${ms(replay.batchMs)} ms**; one replay worker per history, as test/replay does ` +
      `(\`Worker.runReplayHistory\`) **${ms(replay.oneByOneMs)} ms**. Failures: ${replay.failures.length ? replay.failures.join('; ') : 'none'}.`,
    '',
    markdownTable(
      ['history', 'events', 'ms (own replay worker)'],
      replay.histories.map((h) => [h.file, h.events, ms(h.ms)]),
      ['l', 'r', 'r'],
    ),
    '',
  );
  return out;
}
