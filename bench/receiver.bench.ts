/**
 * Benchmarks 1 and 2: the receiver's throughput and latency for the four kinds of request, side by side with
 * the original design's stack (FastAPI + uvicorn) and huggingface_hub's WebhooksServer, in alternating runs
 * on the same machine; then latency against load (a sweep of concurrency) for the plot.
 *
 *   tsx bench/receiver.bench.ts [--quick] [--no-build]
 *
 * "hub-retrain-before" is the receiver as it was before issue 8 (BEFORE_REF), measured alongside.
 * Every stack is its own process, started once and left idle while another is measured; the load generator
 * is another process. Ours: the compiled `hub-retrain server`, LOG_LEVEL=warn, recording accepted events in
 * an in-memory `temporal server start-dev` (no worker: "recorded" is what the answer promises).
 */
import { CASES, benchDataset, expectedStatus, receiverConfig, requestFor, type CaseName } from './lib/payloads';
import { LoadGenerator, jobFor, type LoadResult } from './lib/load';
import { installCleanup, measureCpu, procStats, stopAll } from './lib/processes';
import { conditions, isQuick, writeResults } from './lib/results';
import {
  BEFORE_REF,
  buildBefore,
  buildProduct,
  ensureVenv,
  log,
  peerVersions,
  startPeer,
  startReceiver,
  startTemporal,
  temporalVersion,
  type PeerKind,
} from './lib/stack';

export type StackName = 'hub-retrain' | 'hub-retrain-before' | PeerKind;

export interface ReceiverRun {
  stack: StackName;
  case: CaseName;
  rep: number;
  connections: number;
  rps: number;
  requests: number;
  latency: LoadResult['latency'];
  status: Record<string, number>;
  /** Responses with another status than the case expects, plus connection errors and timeouts. */
  unexpected: number;
  /** The server process's CPU during the run, in cores (1 = one core busy). */
  serverCores: number;
  generatorCores: number;
  serverRssBytes: number;
}

export interface ReceiverResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  peers: Record<string, string>;
  webhooksServer: boolean;
  /** The commit the "before" receiver was built from. */
  beforeRef: string;
  note?: string;
  runs: ReceiverRun[];
  sweep: ReceiverRun[];
}

const FULL = {
  reps: 5,
  durationS: 4,
  warmupS: 1,
  connections: 32,
  pipelines: 200,
  sweepConnections: [1, 2, 4, 8, 16, 32, 64],
  sweepReps: 2,
  sweepDurationS: 3,
};
const QUICK: typeof FULL = {
  reps: 1,
  durationS: 2,
  warmupS: 0.5,
  connections: 32,
  pipelines: 50,
  sweepConnections: [1, 8, 64],
  sweepReps: 1,
  sweepDurationS: 1.5,
};

interface Target {
  name: StackName;
  url: string;
  pid: number;
  datasets: string[];
  side: 'ours' | 'peer';
}

async function main(): Promise<void> {
  installCleanup();
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  if (!process.argv.includes('--no-build')) await buildProduct();
  const venv = ensureVenv();
  const start = conditions();
  log(`receiver bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);

  const temporal = await startTemporal();
  const datasets = Array.from({ length: settings.pipelines }, (_, i) => benchDataset(i));
  const receiver = await startReceiver({
    temporalAddress: temporal.address,
    config: receiverConfig(settings.pipelines, 'recv'),
  });
  const before = await startReceiver({
    temporalAddress: temporal.address,
    config: receiverConfig(settings.pipelines, 'recv'),
    cli: buildBefore(),
    name: 'receiver-before',
  });
  const targets: Target[] = [
    { name: 'hub-retrain', url: `${receiver.url}/webhook`, pid: receiver.proc.pid, datasets, side: 'ours' },
    { name: 'hub-retrain-before', url: `${before.url}/webhook`, pid: before.proc.pid, datasets, side: 'ours' },
  ];
  for (const kind of ['fastapi', 'webhooks-server'] as const) {
    if (kind === 'webhooks-server' && !venv.webhooksServer) continue;
    const peer = await startPeer(kind, datasets[0]!);
    targets.push({ name: kind, url: peer.url, pid: peer.proc.pid, datasets: [datasets[0]!], side: 'peer' });
  }
  const load = LoadGenerator.start();

  const measure = async (t: Target, kind: CaseName, rep: number, connections: number, durationS: number) => {
    const job = jobFor(t.url, requestFor(kind, t.datasets), { connections, durationS, warmupS: settings.warmupS });
    const { result, cores } = await measureCpu(t.pid, () => load.run(job));
    const expected = String(expectedStatus(kind, t.side));
    const unexpected =
      Object.entries(result.status).reduce((n, [code, count]) => (code === expected ? n : n + count), 0) +
      result.errors +
      result.timeouts;
    const run: ReceiverRun = {
      stack: t.name,
      case: kind,
      rep,
      connections,
      rps: result.rps,
      requests: result.requests,
      latency: result.latency,
      status: result.status,
      unexpected,
      serverCores: cores,
      generatorCores: result.generatorCores,
      serverRssBytes: procStats(t.pid).rssBytes,
    };
    log(
      `${t.name.padEnd(18)} ${kind.padEnd(12)} c=${String(connections).padStart(3)} ` +
        `${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50.toFixed(2)} ms  p99 ${result.latency.p99.toFixed(2)} ms  ` +
        `server ${(cores * 100).toFixed(0)}% gen ${(result.generatorCores * 100).toFixed(0)}%${unexpected ? `  UNEXPECTED ${unexpected} ${JSON.stringify(result.status)}` : ''}`,
    );
    return run;
  };

  const runs: ReceiverRun[] = [];
  const sweep: ReceiverRun[] = [];
  try {
    // Alternate: every repetition measures every case on every stack, starting with a different stack.
    for (let rep = 0; rep < settings.reps; rep++) {
      for (const kind of CASES) {
        for (const t of rotate(targets, rep)) {
          runs.push(await measure(t, kind, rep, settings.connections, settings.durationS));
        }
      }
    }
    // Latency against load: an ignored event (the commonest request) at rising concurrency.
    for (let rep = 0; rep < settings.sweepReps; rep++) {
      for (const connections of settings.sweepConnections) {
        for (const t of rotate(targets, rep + connections)) {
          sweep.push(await measure(t, 'no-pipeline', rep, connections, settings.sweepDurationS));
        }
      }
    }
  } finally {
    load.stop();
    await stopAll();
  }

  const results: ReceiverResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    temporal: temporalVersion(),
    peers: peerVersions(),
    webhooksServer: venv.webhooksServer,
    beforeRef: BEFORE_REF,
    note: venv.note,
    runs,
    sweep,
  };
  log(`wrote ${writeResults('receiver', results, quick)}`);
}

function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
