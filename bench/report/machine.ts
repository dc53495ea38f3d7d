/**
 * "Machine and conditions" of bench/RESULTS.md: the machine, the load on it and the suite's wall time, from the
 * record bench/run.ts writes (bench/results/run.json), with the peer stacks' versions from receiver.json.
 */
import { markdownTable } from '../lib/markdown';
import { formatNumber } from '../lib/stats';
import type { ReceiverResults } from '../receiver.bench';
import type { RunInfo } from './shared';

export function machineSection(info: RunInfo | undefined, receiver: ReceiverResults | undefined): string[] {
  const out: string[] = ['## Machine and conditions', ''];
  if (!info) return out;
  const m = info.machine;
  out.push(
    markdownTable(
      ['', ''],
      [
        ['CPU', `${m.cores} cores, ${m.cpuModel}`],
        ['memory', `${m.memoryGiB} GiB`],
        ['kernel', m.kernel],
        ['Node', m.node],
        ['Temporal CLI', m.temporal],
        [
          'peer stacks',
          receiver
            ? Object.entries(receiver.peers)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            : 'n/a',
        ],
        ['load average (1, 5, 15 min) at start', m.loadavg.join(', ')],
        ['load average at end', info.end?.loadavg.join(', ') ?? 'n/a'],
        [
          'other work running at start',
          m.others.length ? `${m.others.length} processes (test runners, Temporal servers)` : 'none found',
        ],
        [
          'suite wall time',
          `${formatNumber(Object.values(info.durations).reduce((a, b) => a + b, 0) / 60, 1)} min (${Object.entries(
            info.durations,
          )
            .map(([k, v]) => `${k} ${formatNumber(v, 0)} s`)
            .join(', ')})`,
        ],
      ],
      ['l', 'l'],
    ),
    '',
    'Every system under test is its own process: `temporal server start-dev` **in memory** (no `--db-filename`, no UI), ' +
      'the compiled product (`tsc` output and a pre-built workflow bundle, as in the Docker image) run through its CLI ' +
      '(`hub-retrain server`, `hub-retrain worker`) with **`LOG_LEVEL=warn`**, the peers under Python in `bench/.venv`, ' +
      'and the load generator (autocannon, as a library) in its own process. Latency percentiles come from every ' +
      "response's own time, not autocannon's 1-ms histogram. Figures are the **median over repeated runs, with min–max** " +
      'in brackets; ratios are taken pair by pair over alternating runs.',
    '',
  );
  if (m.others.length) {
    out.push(
      `The machine was shared: at the start, other work was running (${m.others.length} processes, e.g. \`${m.others[0]}\`). ` +
        'Throughput figures are lower and tails longer than on an idle machine; ratios from alternating runs hold up better.',
      '',
    );
  }
  return out;
}
