/**
 * Benchmark 6: the scale of waiting. N RetrainWorkflows (N = 100, 1,000 and 5,000) started directly, each
 * waiting for a training Space that stays RUNNING (the fake AutoTrain's `hang` script), on one worker process
 * (the compiled `hub-retrain worker`). In a steady window after the early checks (5, 10, 20, 40 s) it
 * measures the worker's resident memory and CPU, the status checks made, and how fast each run's history
 * grows; then it terminates every run. A fresh dev server and worker for each N and variant.
 *
 * Three variants, alternating for each N:
 * - "after": the working tree, as it ships: each run waits in one retried activity (awaitTraining), and the
 *   worker's cache has its default size (WORKER_MAX_CACHED_WORKFLOWS, 500).
 * - "tuned": the same code configured for thousands of waiting runs (TUNED: a smaller cache, a V8 heap limit).
 * - "before": the product at BEFORE_REF, where each run polled with a workflow timer (a workflow task
 *   and an activity per check), its worker given heap enough that the SDK's default cache holds every run
 *   (with a smaller cache, every check of an evicted run replays its history: notes.md).
 *
 *   tsx bench/waiting-scale.bench.ts [--quick] [--no-build] [--sizes 100,1000] [--interval 60] [--window 120]
 *                                    [--variants after,tuned,before] [--before-sizes 100,1000] [--tuned-sizes 5000] [--cache N] (WORKER_MAX_CACHED_WORKFLOWS, "after")
 *                                    [--profile DIR] (node --cpu-prof for the worker) [--node-args "..."]
 */
import { loadEnv } from '../src/config/env';
import { parseConfig } from '../src/config/load-config';
import type { PipelineSpec } from '../src/config/config-schema';
import { RETRAIN_WORKFLOW, RetrainPipeline, retrainWorkflowId, type RetrainInput } from '../src/workflows/definitions';
import { randomSha } from '../test/fakes/fake-hub';
import { BENCH_USER, startFakes } from './lib/fakes';
import { pool, procStats, sleep, stopAll, waitFor } from './lib/processes';
import { startBench } from './lib/prologue';
import { conditions, writeResults } from './lib/results';
import { buildRef, log, startTemporal, startWorker, temporalVersion, BEFORE_REF, type BuiltRef } from './lib/stack';
import { spread, type Spread } from './lib/stats';

export type WaitingVariant = 'after' | 'tuned' | 'before';

/**
 * "tuned": the shipped code configured for thousands of waiting runs, as the README advises: a smaller cache and
 * a V8 heap limit, so that V8 collects the garbage of starting thousands of runs instead of growing into it.
 */
export const TUNED = { cache: 200, heapMiB: 512 };

const FULL: {
  sizes: number[];
  intervalS: number;
  windowS: number;
  samples: number;
  variants: WaitingVariant[];
  /**
   * The sizes "before" is measured at: timer polling holds every run in memory (3.3 GiB at 1,000 runs) and its
   * start takes minutes (notes.md), so the full suite compares at 100.
   */
  beforeSizes: number[];
  /** The sizes "tuned" is measured at. */
  tunedSizes: number[];
  cache?: number;
} = {
  sizes: [100, 1000, 5000],
  intervalS: 60,
  windowS: 60,
  samples: 20,
  variants: ['after', 'tuned', 'before'],
  beforeSizes: [100],
  tunedSizes: [1000, 5000],
};
const QUICK: typeof FULL = {
  sizes: [20, 100],
  intervalS: 10,
  windowS: 20,
  samples: 5,
  variants: ['after', 'tuned', 'before'],
  beforeSizes: [20, 100],
  tunedSizes: [100],
};
/** The early checks before the interval settles: 5 + 10 + 20 + 40 s. */
const EARLY_POLLS_S = 75;
/** The "before" worker's heap: the SDK sizes its default cache from it ((heap - 200 MiB) x 600/1024 workflows). */
const BEFORE_HEAP_MIB = 10_240;

export interface ScalePoint {
  n: number;
  variant: WaitingVariant;
  /** The code measured: the working tree, or a commit. */
  code: string;
  /** WORKER_MAX_CACHED_WORKFLOWS for this point (undefined: the SDK's default, from the heap). */
  cache?: number;
  /** Seconds to start all runs, and until all had called the backend's start. */
  startS: number;
  readyS: number;
  /** Worker resident memory over the window (MiB): samples once a second. */
  rssMiB: Spread;
  /** Worker resident memory before any run (MiB). */
  idleRssMiB: number;
  /** Worker CPU over the window, as a share of one core; and CPU milliseconds per status check. */
  workerCores: number;
  cpuMsPerPoll: number;
  temporalCores: number;
  /** Status checks made in the window (runtime reads at the fake Hub) and per run per hour. */
  polls: number;
  pollsPerRunHour: number;
  /** History events per run per hour of waiting (measured on sampled runs), and their history length now. */
  eventsPerRunHour: Spread;
  historyLength: Spread;
  /** Runs whose status (describe) was not RUNNING at the end of the window. */
  notRunning: number;
}

export interface ScaleResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  points: ScalePoint[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const { quick, settings: defaults, start } = await startBench('waiting-scale', FULL, QUICK);
  const settings: ScaleResults['settings'] = { ...defaults };
  if (arg('sizes')) settings.sizes = arg('sizes')!.split(',').map(Number);
  if (arg('interval')) settings.intervalS = Number(arg('interval'));
  if (arg('window')) settings.windowS = Number(arg('window'));
  if (arg('variants')) settings.variants = arg('variants')!.split(',') as WaitingVariant[];
  if (arg('before-sizes')) settings.beforeSizes = arg('before-sizes')!.split(',').map(Number);
  if (arg('tuned-sizes')) settings.tunedSizes = arg('tuned-sizes')!.split(',').map(Number);
  if (arg('cache')) settings.cache = Number(arg('cache'));
  const before = settings.variants.includes('before') ? buildRef(BEFORE_REF) : undefined;
  const points: ScalePoint[] = [];
  // Written after every point, so that a long run stopped part-way keeps what it measured.
  const save = () =>
    writeResults(
      'waiting-scale',
      { quick, settings, conditions: { start, end: conditions() }, temporal: temporalVersion(), points },
      quick,
    );
  try {
    for (const n of settings.sizes) {
      for (const variant of settings.variants) {
        if (variant === 'before' && !settings.beforeSizes.includes(n)) continue;
        if (variant === 'tuned' && !settings.tunedSizes.includes(n)) continue;
        points.push(await measure(n, settings, variant, variant === 'before' ? before : undefined));
        save();
      }
    }
  } finally {
    await stopAll();
  }
  log(`wrote ${save()}`);
}

async function measure(
  n: number,
  settings: ScaleResults['settings'],
  variant: WaitingVariant,
  before?: BuiltRef,
): Promise<ScalePoint> {
  const tuned = variant === 'tuned';
  const temporal = await startTemporal();
  const fakes = await startFakes({ outcome: 'hang', buildMs: 100 });
  const name = `scale-${n}`;
  const dataset = `${BENCH_USER}/scale-${n}`;
  const revisions = Array.from({ length: n }, () => randomSha());
  fakes.hub.addDataset(dataset, { commits: revisions });
  const [spec] = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: BENCH_USER,
        input_dataset: dataset,
        input_model: 'bench/base-model',
        autotrain_project_prefix: name,
        poll_interval_seconds: settings.intervalS,
        max_training_time: '7d',
      },
    ],
  });
  const taskQueue = `scale-${n}-${variant}`;
  const cache = before ? undefined : tuned ? TUNED.cache : (settings.cache ?? loadEnv({}).WORKER_MAX_CACHED_WORKFLOWS);
  const worker = await startWorker(temporal.client, {
    temporalAddress: temporal.address,
    taskQueue,
    built: before,
    extra: {
      ...fakes.workerEnv,
      ...(cache !== undefined ? { WORKER_MAX_CACHED_WORKFLOWS: String(cache) } : {}),
    },
    nodeArgs: [
      ...(before ? [`--max-old-space-size=${BEFORE_HEAP_MIB}`] : []),
      ...(tuned ? [`--max-old-space-size=${TUNED.heapMiB}`] : []),
      ...(arg('profile') ? ['--cpu-prof', '--cpu-prof-dir', arg('profile')!] : []),
      ...(arg('node-args') ? arg('node-args')!.split(' ') : []),
    ],
  });
  const client = temporal.client;
  try {
    await sleep(2000);
    const idleRssMiB = procStats(worker.pid).rssBytes / 2 ** 20;

    // Start every run, 32 at a time.
    const t0 = performance.now();
    const ids = revisions.map((r) => retrainWorkflowId(name, r));
    await pool(revisions, 32, (revision) =>
      client.workflow.start(RETRAIN_WORKFLOW, {
        workflowId: retrainWorkflowId(name, revision),
        taskQueue,
        args: [{ pipeline: spec as PipelineSpec, revision, attempt: 1 } satisfies RetrainInput],
        typedSearchAttributes: [{ key: RetrainPipeline, value: name }],
      }),
    );
    const startS = (performance.now() - t0) / 1000;
    log(`N=${n} ${variant}: started in ${startS.toFixed(1)} s`);
    let reported = performance.now();
    await waitFor(
      () => {
        const jobs = fakes.autotrain.projects.size;
        if (performance.now() - reported > 60_000) {
          log(`N=${n} ${variant}: ${jobs} of ${n} runs training`);
          reported = performance.now();
        }
        return jobs >= n ? true : undefined;
      },
      60 * 60_000,
      `${n} training jobs`,
      worker,
    );
    const readyS = (performance.now() - t0) / 1000;
    log(`N=${n} ${variant}: every run is training after ${readyS.toFixed(1)} s; waiting out the early polls`);
    await sleep(EARLY_POLLS_S * 1000);

    // The steady window.
    const sampleIds = ids
      .filter((_, i) => i % Math.max(1, Math.floor(n / settings.samples)) === 0)
      .slice(0, settings.samples);
    const lengthsBefore = await historyLengths(client, sampleIds);
    const w0 = procStats(worker.pid).cpuSeconds;
    const t0cpu = procStats(temporal.proc.pid).cpuSeconds;
    const p0 = fakes.served().runtimeReads;
    const wStart = performance.now();
    const rss: number[] = [];
    while (performance.now() - wStart < settings.windowS * 1000) {
      rss.push(procStats(worker.pid).rssBytes / 2 ** 20);
      await sleep(1000);
    }
    const windowS = (performance.now() - wStart) / 1000;
    const workerCpu = procStats(worker.pid).cpuSeconds - w0;
    const temporalCpu = procStats(temporal.proc.pid).cpuSeconds - t0cpu;
    const polls = fakes.served().runtimeReads - p0;
    const lengthsAfter = await historyLengths(client, sampleIds);
    // A continue-as-new in the window restarts the count: skip those samples.
    const rates = sampleIds
      .map((_, i) => lengthsAfter[i]! - lengthsBefore[i]!)
      .filter((d) => d >= 0)
      .map((d) => (d / windowS) * 3600);
    const notRunning = await countNotRunning(client, sampleIds);
    const point: ScalePoint = {
      n,
      variant,
      code: before ? before.ref : 'working tree',
      cache,
      startS,
      readyS,
      rssMiB: spread(rss),
      idleRssMiB,
      workerCores: workerCpu / windowS,
      cpuMsPerPoll: polls ? (workerCpu * 1000) / polls : NaN,
      temporalCores: temporalCpu / windowS,
      polls,
      pollsPerRunHour: (polls / n / windowS) * 3600,
      eventsPerRunHour: spread(rates),
      historyLength: spread(lengthsAfter),
      notRunning,
    };
    log(
      `N=${n} ${variant}: worker RSS ${point.rssMiB.median.toFixed(0)} MiB (idle ${idleRssMiB.toFixed(0)}), CPU ${(point.workerCores * 100).toFixed(1)}% ` +
        `(${point.cpuMsPerPoll.toFixed(2)} ms/poll), temporal ${(point.temporalCores * 100).toFixed(1)}%, ${polls} polls, ` +
        `${point.eventsPerRunHour.median.toFixed(0)} events/run/h, history ${point.historyLength.median} events`,
    );
    return point;
  } finally {
    log(`N=${n} ${variant}: terminating`);
    await pool(
      revisions.map((r) => retrainWorkflowId(name, r)),
      32,
      (id) =>
        client.workflow
          .getHandle(id)
          .terminate('benchmark over')
          .catch(() => undefined),
    );
    await worker.stop();
    await fakes.stop();
    await temporal.stop();
  }
}

async function historyLengths(client: import('@temporalio/client').Client, ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const d = await client.workflow.getHandle(id).describe();
      return Number(d.historyLength);
    }),
  );
}

async function countNotRunning(client: import('@temporalio/client').Client, ids: string[]): Promise<number> {
  const statuses = await Promise.all(
    ids.map(async (id) => (await client.workflow.getHandle(id).describe()).status.name),
  );
  return statuses.filter((s) => s !== 'RUNNING').length;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
