/**
 * Benchmark 3: the limit. The raw rate at which a Temporal client makes the receiver's own call
 * (UpdateRecorder.record: signalWithStart into pipeline:<name>) against the same in-memory dev server, with
 * no HTTP in front, alternating with the receiver taking accepted events over HTTP at the same concurrency
 * into the same pipelines. The receiver's rate as a share of the raw rate is what the receiver costs.
 *
 *   tsx bench/limit.bench.ts [--quick] [--no-build]
 */
import { join } from 'node:path';
import { parseConfig } from '../src/config/load-config';
import { ChildRunner } from './lib/child';
import { LoadGenerator, jobFor } from './lib/load';
import { benchDataset, receiverConfig, requestFor } from './lib/payloads';
import { measureCpu, stopAll } from './lib/processes';
import { startBench } from './lib/prologue';
import { conditions, writeResults } from './lib/results';
import type { SignalJob, SignalResult } from './lib/signal-client';
import { log, startReceiver, startTemporal, temporalVersion } from './lib/stack';
import type { LatencySummary } from './lib/stats';

const FULL = { reps: 5, durationS: 5, warmupS: 1, connections: 32, pipelines: 200, sweep: [8, 32, 128] };
const QUICK: typeof FULL = { reps: 1, durationS: 2, warmupS: 0.5, connections: 32, pipelines: 50, sweep: [] };

export interface LimitRun {
  path: 'raw' | 'receiver';
  rep: number;
  concurrency: number;
  rps: number;
  latency: LatencySummary;
  failures: number;
  /** CPU of the Temporal dev server during the run, in cores. */
  temporalCores: number;
  /** CPU of the caller (the raw client, or the receiver), in cores. */
  callerCores: number;
}

export interface LimitResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  runs: LimitRun[];
  /** The raw client at other concurrencies, to show where the limit is. */
  sweep: LimitRun[];
}

async function main(): Promise<void> {
  const { quick, settings, start } = await startBench('limit', FULL, QUICK);

  const temporal = await startTemporal();
  const config = receiverConfig(settings.pipelines, 'limit');
  const pipelines = parseConfig(config);
  const datasets = pipelines.map((_, i) => benchDataset(i));
  const receiver = await startReceiver({ temporalAddress: temporal.address, config });
  const load = LoadGenerator.start();
  const raw = new ChildRunner<SignalJob, SignalResult>(join(__dirname, 'lib', 'signal-client.ts'));

  const runRaw = async (rep: number, concurrency: number): Promise<LimitRun> => {
    let callerCpu = 0;
    const { result, cores } = await measureCpu(temporal.proc.pid, async () => {
      const m = await measureCpu(raw.pid, () =>
        raw.run({
          address: temporal.address,
          taskQueue: 'bench',
          pipelines,
          concurrency,
          durationS: settings.durationS,
          warmupS: settings.warmupS,
        }),
      );
      callerCpu = m.cores;
      return m.result;
    });
    return report({
      path: 'raw',
      rep,
      concurrency,
      rps: result.rps,
      latency: result.latency,
      failures: result.failures,
      temporalCores: cores,
      callerCores: callerCpu,
    });
  };
  const runReceiver = async (rep: number, concurrency: number): Promise<LimitRun> => {
    let callerCpu = 0;
    const { result, cores } = await measureCpu(temporal.proc.pid, async () => {
      const m = await measureCpu(receiver.proc.pid, () =>
        load.run(
          jobFor(`${receiver.url}/webhook`, requestFor('accepted', datasets), {
            connections: concurrency,
            durationS: settings.durationS,
            warmupS: settings.warmupS,
          }),
        ),
      );
      callerCpu = m.cores;
      return m.result;
    });
    const failures = Object.entries(result.status).reduce((n, [code, c]) => (code === '202' ? n : n + c), 0);
    return report({
      path: 'receiver',
      rep,
      concurrency,
      rps: result.rps,
      latency: result.latency,
      failures: failures + result.errors + result.timeouts,
      temporalCores: cores,
      callerCores: callerCpu,
    });
  };

  const runs: LimitRun[] = [];
  const sweep: LimitRun[] = [];
  try {
    for (let rep = 0; rep < settings.reps; rep++) {
      const order = rep % 2 === 0 ? [runRaw, runReceiver] : [runReceiver, runRaw];
      for (const run of order) runs.push(await run(rep, settings.connections));
    }
    for (const concurrency of settings.sweep) sweep.push(await runRaw(0, concurrency));
  } finally {
    load.stop();
    raw.stop();
    await stopAll();
  }
  const results: LimitResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    temporal: temporalVersion(),
    runs,
    sweep,
  };
  log(`wrote ${writeResults('limit', results, quick)}`);
}

function report(run: LimitRun): LimitRun {
  log(
    `${run.path.padEnd(8)} c=${String(run.concurrency).padStart(3)} ${run.rps.toFixed(0).padStart(6)}/s  ` +
      `p50 ${run.latency.p50.toFixed(2)} ms  p99 ${run.latency.p99.toFixed(2)} ms  temporal ${(run.temporalCores * 100).toFixed(0)}%  ` +
      `caller ${(run.callerCores * 100).toFixed(0)}%${run.failures ? `  FAILURES ${run.failures}` : ''}`,
  );
  return run;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
