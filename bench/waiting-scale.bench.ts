/**
 * Benchmark 6: the scale of waiting. N RetrainWorkflows (N = 100, 1,000 and 5,000) started directly, 32 at a
 * time, each waiting for a training Space that stays RUNNING (the fake AutoTrain's `hang` script), on one worker
 * process (the compiled `hub-retrain worker`) with the shipped defaults, beside the compiled receiver. It follows
 * the worker's resident memory, CPU and the status checks it makes minute by minute as the trainings age; once
 * every run's checks have spaced out to their cap, it measures a window of one cap interval: memory, CPU as a share
 * of a core, checks, and how fast each run's history grows. Then, on the same worker with the N runs still waiting,
 * the time from a training's end to the run's next stage, per backend: AutoTrain (the outcome discussion through
 * the Hub webhook to the receiver), local (the supervisor's notice), Hugging Face Jobs (the worker's shared check).
 * A fresh dev server, worker and receiver for each N and variant; every run is terminated afterwards.
 *
 * Variants:
 * - "after": as it ships, with the Hub webhook of the namespace's discussions set up (`hub-webhook create`): the
 *   worker finds it, so each run's periodic check is a safety net that spaces out to ten minutes.
 * - "no-webhook": as it ships, without that webhook: runs check every `poll_interval_seconds` (60 s) once settled.
 * - "tuned": "after" with a smaller cache and a V8 heap limit (TUNED), the README's advice.
 * - "before": the product at BEFORE_REF, where each run polled with a workflow timer (its worker given heap enough
 *   that the SDK's default cache holds every run).
 *
 *   tsx bench/waiting-scale.bench.ts [--quick] [--no-build] [--sizes 100,1000] [--variants after,no-webhook]
 *     [--tuned-sizes 5000] [--no-webhook-sizes 5000] [--before-sizes 100] [--latency-sizes 5000]
 *     [--settle S] [--window S] (override the settling age and the window) [--profile DIR] [--node-args "..."]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DEFAULT_CHECK_SCHEDULE } from '../src/activities/check-schedule';
import { loadEnv } from '../src/config/env';
import { parseConfig } from '../src/config/load-config';
import { folderRevision } from '../src/datasets/local-folder';
import type { PipelineSpec } from '../src/config/config-schema';
import { pendingTrainingCheck } from '../src/server/api/training-check';
import {
  progressQuery,
  RETRAIN_WORKFLOW,
  RetrainPipeline,
  RetrainRevision,
  retrainWorkflowId,
  type RetrainInput,
} from '../src/workflows/definitions';
import { randomSha } from '../test/fakes/fake-hub';
import { BENCH_USER, startFakes, type BenchFakes } from './lib/fakes';
import { pool, procStats, sleep, stopAll, waitFor } from './lib/processes';
import { startBench } from './lib/prologue';
import { conditions, writeResults } from './lib/results';
import {
  buildRef,
  log,
  SECRET,
  startReceiver,
  startTemporal,
  startWorker,
  temporalVersion,
  BEFORE_REF,
  WORK,
  type BuiltRef,
} from './lib/stack';
import { spread, type Spread } from './lib/stats';

export type WaitingVariant = 'after' | 'no-webhook' | 'tuned' | 'before';
export type NoticeBackend = 'autotrain' | 'local' | 'hf-jobs';

/**
 * "tuned": the shipped code configured for thousands of waiting runs, as the README advises: a smaller cache and
 * a V8 heap limit, so that V8 collects the garbage of starting thousands of runs instead of growing into it.
 */
export const TUNED = { cache: 200, heapMiB: 512 };
/** The shipped default of `poll_interval_seconds`. */
const POLL_INTERVAL_S = 60;
/** The cap of a run's periodic check: the safety net where it is told, the poll interval where it is not. */
export const capSeconds = (variant: WaitingVariant): number =>
  variant === 'after' || variant === 'tuned'
    ? Math.max(POLL_INTERVAL_S, DEFAULT_CHECK_SCHEDULE.safetyNetMs / 1000)
    : POLL_INTERVAL_S;
/** A run's checks reach their cap at twice its length (each waits half the training's age); timer polling at once. */
const settleSeconds = (variant: WaitingVariant): number => (variant === 'before' ? 75 : 2 * capSeconds(variant));

interface Settings {
  sizes: number[];
  variants: WaitingVariant[];
  samples: number;
  tunedSizes: number[];
  noWebhookSizes: number[];
  /** Timer polling holds every run in memory (3.3 GiB at 1,000 runs) and starts slowly (notes.md): compared at 100. */
  beforeSizes: number[];
  /** Where the time from a training's end to the next stage is measured ("after" only), and with how many runs. */
  latencySizes: number[];
  latency: Record<NoticeBackend, number>;
  /** Overrides of the settling age and of the window, in seconds (quick runs). */
  settleS?: number;
  windowS?: number;
  cache?: number;
}

/**
 * Each point lets the trainings age twenty minutes before its ten-minute window (a run's checks reach the safety
 * net at twice its length), so the suite measures the size that matters, 5,000; timer polling ("before", at
 * BEFORE_REF) was compared at 100 and 1,000 when it was replaced (notes.md): `--variants before --sizes 100`.
 */
const FULL: Settings = {
  sizes: [5000],
  variants: ['after', 'no-webhook', 'tuned'],
  samples: 20,
  tunedSizes: [5000],
  noWebhookSizes: [5000],
  beforeSizes: [100],
  latencySizes: [5000],
  latency: { autotrain: 20, local: 5, 'hf-jobs': 10 },
};
const QUICK: Settings = {
  sizes: [100],
  variants: ['after', 'no-webhook'],
  samples: 5,
  tunedSizes: [],
  noWebhookSizes: [100],
  beforeSizes: [],
  latencySizes: [100],
  latency: { autotrain: 3, local: 2, 'hf-jobs': 3 },
  settleS: 60,
  windowS: 60,
};
/** The "before" worker's heap: the SDK sizes its default cache from it ((heap - 200 MiB) x 600/1024 workflows). */
const BEFORE_HEAP_MIB = 10_240;

/** One minute of the worker while the runs age (from the moment all were training). */
export interface Minute {
  ageS: number;
  workerCores: number;
  checksPerS: number;
  rssMiB: number;
}

export interface NoticeLatency {
  backend: NoticeBackend;
  /** Seconds from the training's end (AutoTrain/Jobs: when the fake ended it; local: the trainer's exit) to the next stage. */
  seconds: Spread;
  /** How many moved on before their next periodic check was due (so: were told). */
  beforeNextCheck: number;
  runs: number;
  /** Jobs: the shared check's interval when the jobs ended. */
  sharedIntervalS?: number;
}

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
  /** The age of the trainings when the window began, and its length (s). */
  settledAtS: number;
  windowS: number;
  capS: number;
  /** Worker resident memory over the window (MiB): samples once a second. */
  rssMiB: Spread;
  /** Worker resident memory before any run (MiB). */
  idleRssMiB: number;
  /** Worker CPU over the window, as a share of one core; and CPU milliseconds per status check. */
  workerCores: number;
  cpuMsPerPoll: number;
  temporalCores: number;
  receiverCores?: number;
  /** Status checks made in the window (runtime reads at the fake Hub) and per run per hour. */
  polls: number;
  pollsPerRunHour: number;
  /** History events per run per hour of waiting (measured on sampled runs), and their history length now. */
  eventsPerRunHour: Spread;
  historyLength: Spread;
  /** Runs whose status (describe) was not RUNNING at the end of the window. */
  notRunning: number;
  /** The worker minute by minute as the trainings aged. */
  minutes: Minute[];
  latencies?: NoticeLatency[];
}

export interface ScaleResults {
  quick: boolean;
  settings: Settings;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  points: ScalePoint[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}
const numbers = (name: string) => arg(name)?.split(',').filter(Boolean).map(Number);

async function main(): Promise<void> {
  const { quick, settings: defaults, start } = await startBench('waiting-scale', FULL, QUICK);
  const settings: Settings = {
    ...defaults,
    sizes: numbers('sizes') ?? defaults.sizes,
    variants: (arg('variants')?.split(',') as WaitingVariant[] | undefined) ?? defaults.variants,
    tunedSizes: numbers('tuned-sizes') ?? defaults.tunedSizes,
    noWebhookSizes: numbers('no-webhook-sizes') ?? defaults.noWebhookSizes,
    beforeSizes: numbers('before-sizes') ?? defaults.beforeSizes,
    latencySizes: numbers('latency-sizes') ?? defaults.latencySizes,
    settleS: arg('settle') ? Number(arg('settle')) : defaults.settleS,
    windowS: arg('window') ? Number(arg('window')) : defaults.windowS,
    cache: arg('cache') ? Number(arg('cache')) : defaults.cache,
  };
  const before = settings.variants.includes('before') ? buildRef(BEFORE_REF) : undefined;
  const points: ScalePoint[] = [];
  // Written after every point, so that a long run stopped part-way keeps what it measured.
  const save = () =>
    writeResults(
      'waiting-scale',
      { quick, settings, conditions: { start, end: conditions() }, temporal: temporalVersion(), points },
      quick,
    );
  const measured = (variant: WaitingVariant, n: number): boolean =>
    variant === 'after' ||
    (variant === 'tuned' && settings.tunedSizes.includes(n)) ||
    (variant === 'no-webhook' && settings.noWebhookSizes.includes(n)) ||
    (variant === 'before' && settings.beforeSizes.includes(n));
  try {
    for (const n of settings.sizes) {
      for (const variant of settings.variants) {
        if (!measured(variant, n)) continue;
        points.push(await measure(n, settings, variant, variant === 'before' ? before : undefined));
        save();
      }
    }
  } finally {
    await stopAll();
  }
  log(`wrote ${save()}`);
}

async function measure(n: number, settings: Settings, variant: WaitingVariant, before?: BuiltRef): Promise<ScalePoint> {
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
  const receiver = before
    ? undefined
    : await startReceiver({
        temporalAddress: temporal.address,
        taskQueue,
        config: { pipelines: [spec] },
        name: `receiver-${n}-${variant}`,
        extra: fakes.workerEnv,
      });
  if (receiver && variant !== 'no-webhook') {
    // What `hub-retrain hub-webhook create` sets up: the namespace's discussions, with the receiver's secret.
    fakes.hub.addWebhook(BENCH_USER, {
      url: `${receiver.url}/webhook`,
      watched: [{ type: 'user', name: BENCH_USER }],
      domains: ['discussion'],
      secret: SECRET,
    });
  }
  const client = temporal.client;
  const capS = capSeconds(variant);
  const settleS = settings.settleS ?? settleSeconds(variant);
  const windowS = settings.windowS ?? (variant === 'before' ? 60 : capS);
  const ids = revisions.map((r) => retrainWorkflowId(name, r));
  const extraIds: string[] = [];
  try {
    await sleep(2000);
    const idleRssMiB = procStats(worker.pid).rssBytes / 2 ** 20;

    // Start every run, 32 at a time.
    const t0 = performance.now();
    await pool(revisions, 32, (revision) =>
      client.workflow.start(RETRAIN_WORKFLOW, {
        workflowId: retrainWorkflowId(name, revision),
        taskQueue,
        args: [{ pipeline: spec as PipelineSpec, revision, attempt: 1 } satisfies RetrainInput],
        typedSearchAttributes: [
          { key: RetrainPipeline, value: name },
          { key: RetrainRevision, value: revision },
        ],
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
    log(
      `N=${n} ${variant}: every run is training after ${readyS.toFixed(1)} s; letting the trainings age ${settleS} s`,
    );

    // Minute by minute while the trainings age, then the window.
    const minutes: Minute[] = [];
    const allTraining = performance.now();
    const ageS = () => (performance.now() - allTraining) / 1000;
    while (ageS() < settleS) {
      const w0 = procStats(worker.pid).cpuSeconds;
      const p0 = fakes.served().runtimeReads;
      const m0 = performance.now();
      await sleep(Math.min(60_000, Math.max(1000, (settleS - ageS()) * 1000)));
      const seconds = (performance.now() - m0) / 1000;
      const minute: Minute = {
        ageS: Math.round(ageS()),
        workerCores: (procStats(worker.pid).cpuSeconds - w0) / seconds,
        checksPerS: (fakes.served().runtimeReads - p0) / seconds,
        rssMiB: procStats(worker.pid).rssBytes / 2 ** 20,
      };
      minutes.push(minute);
      log(
        `N=${n} ${variant}: at ${minute.ageS} s ${(minute.workerCores * 100).toFixed(1)}% of a core, ` +
          `${minute.checksPerS.toFixed(1)} checks/s, ${minute.rssMiB.toFixed(0)} MiB`,
      );
    }

    const sampleIds = ids
      .filter((_, i) => i % Math.max(1, Math.floor(n / settings.samples)) === 0)
      .slice(0, settings.samples);
    const lengthsBefore = await historyLengths(client, sampleIds);
    const w0 = procStats(worker.pid).cpuSeconds;
    const t0cpu = procStats(temporal.proc.pid).cpuSeconds;
    const r0 = receiver ? procStats(receiver.proc.pid).cpuSeconds : 0;
    const p0 = fakes.served().runtimeReads;
    const wStart = performance.now();
    const rss: number[] = [];
    log(`N=${n} ${variant}: window of ${windowS} s`);
    while (performance.now() - wStart < windowS * 1000) {
      rss.push(procStats(worker.pid).rssBytes / 2 ** 20);
      await sleep(1000);
    }
    const seconds = (performance.now() - wStart) / 1000;
    const workerCpu = procStats(worker.pid).cpuSeconds - w0;
    const temporalCpu = procStats(temporal.proc.pid).cpuSeconds - t0cpu;
    const receiverCpu = receiver ? procStats(receiver.proc.pid).cpuSeconds - r0 : undefined;
    const polls = fakes.served().runtimeReads - p0;
    const lengthsAfter = await historyLengths(client, sampleIds);
    // A continue-as-new in the window restarts the count: skip those samples.
    const rates = sampleIds
      .map((_, i) => lengthsAfter[i]! - lengthsBefore[i]!)
      .filter((d) => d >= 0)
      .map((d) => (d / seconds) * 3600);
    const notRunning = await countNotRunning(client, sampleIds);
    const point: ScalePoint = {
      n,
      variant,
      code: before ? before.ref : 'working tree',
      cache,
      startS,
      readyS,
      settledAtS: Math.round(settleS),
      windowS: Math.round(seconds),
      capS,
      rssMiB: spread(rss),
      idleRssMiB,
      workerCores: workerCpu / seconds,
      cpuMsPerPoll: polls ? (workerCpu * 1000) / polls : NaN,
      temporalCores: temporalCpu / seconds,
      receiverCores: receiverCpu === undefined ? undefined : receiverCpu / seconds,
      polls,
      pollsPerRunHour: (polls / n / seconds) * 3600,
      eventsPerRunHour: spread(rates),
      historyLength: spread(lengthsAfter),
      notRunning,
      minutes,
    };
    log(
      `N=${n} ${variant}: worker RSS ${point.rssMiB.median.toFixed(0)} MiB (idle ${idleRssMiB.toFixed(0)}), CPU ${(point.workerCores * 100).toFixed(1)}% ` +
        `(${point.cpuMsPerPoll.toFixed(2)} ms/poll), temporal ${(point.temporalCores * 100).toFixed(1)}%, ${polls} polls, ` +
        `${point.eventsPerRunHour.median.toFixed(0)} events/run/h, history ${point.historyLength.median} events`,
    );
    if (variant === 'after' && settings.latencySizes.includes(n)) {
      point.latencies = await noticeLatencies({ n, settings, client, fakes, taskQueue, spec: spec!, ids, extraIds });
    }
    return point;
  } finally {
    log(`N=${n} ${variant}: terminating`);
    await pool([...ids, ...extraIds], 32, (id) =>
      client.workflow
        .getHandle(id)
        .terminate('benchmark over')
        .catch(() => undefined),
    );
    await worker.stop();
    await receiver?.proc.stop();
    await fakes.stop();
    await temporal.stop();
  }
}

interface LatencyContext {
  n: number;
  settings: Settings;
  client: Client;
  fakes: BenchFakes;
  taskQueue: string;
  spec: PipelineSpec;
  ids: string[];
  /** Runs this phase starts (terminated with the rest). */
  extraIds: string[];
}

/**
 * The time from a training's end to the run's next stage (evaluating), for each backend, on the worker that holds
 * the N waiting runs: AutoTrain through the discussion webhook, local through the supervisor, Jobs through the
 * shared check (its jobs end once their runs' shared interval has grown to `poll_interval_seconds`). For each run
 * also whether it moved on before its next periodic check was due.
 */
async function noticeLatencies(ctx: LatencyContext): Promise<NoticeLatency[]> {
  const { client, fakes } = ctx;
  // Started now, so that the Jobs runs age while the AutoTrain and local ones are measured.
  const jobs = await startJobsRuns(ctx);
  const locals = await startLocalRuns(ctx);
  const out: NoticeLatency[] = [];

  // AutoTrain: some of the N runs, one at a time.
  const step = Math.max(1, Math.floor(ctx.n / ctx.settings.latency.autotrain));
  const chosen = ctx.ids.filter((_, i) => i % step === 0).slice(0, ctx.settings.latency.autotrain);
  const autotrain: Array<{ seconds: number; beforeNextCheck: boolean }> = [];
  for (const id of chosen) {
    const handle = client.workflow.getHandle(id);
    const next = await nextCheckAt(client, handle);
    const { jobId } = await handle.query(progressQuery);
    const ended = Date.now();
    fakes.autotrain.end(jobId!);
    autotrain.push(await movedOn(handle, ended, next));
  }
  out.push(summary('autotrain', autotrain));

  // Local: each trainer is released once its run has checked; the end is the trainer's exit (exit.json).
  const local: Array<{ seconds: number; beforeNextCheck: boolean }> = [];
  for (const run of locals) {
    const next = await nextCheckAt(client, run.handle);
    writeFileSync(run.release, '');
    const { jobId } = await run.handle.query(progressQuery);
    const exit = join(WORK, 'state', 'local-runs', jobId!, 'exit.json');
    const finishedAt = await waitFor(
      () => {
        try {
          return Date.parse((JSON.parse(readFileSync(exit, 'utf8')) as { finishedAt: string }).finishedAt);
        } catch {
          return undefined;
        }
      },
      60_000,
      'the local trainer to exit',
    );
    local.push(await movedOn(run.handle, finishedAt, next));
  }
  out.push(summary('local', local));

  // Jobs: once the runs' shared check has grown to its interval (their checks at half their age reach 60 s), the
  // jobs end spread evenly over one interval (ended one after another, each would end just after the check that
  // told the one before: a whole interval each).
  const ageS = 3 * POLL_INTERVAL_S;
  await sleep(Math.max(0, jobs.startedAt + ageS * 1000 - Date.now()));
  const results = await Promise.all(
    jobs.runs.map(async (run, i) => {
      await sleep((i * POLL_INTERVAL_S * 1000) / jobs.runs.length);
      const next = await nextCheckAt(client, run.handle);
      const [job] = fakes.jobs.jobsLabelled({ 'retrain-pipeline': run.pipeline });
      const ended = Date.now();
      fakes.jobs.end(job!.id);
      return movedOn(run.handle, ended, next);
    }),
  );
  out.push({ ...summary('hf-jobs', results), sharedIntervalS: POLL_INTERVAL_S });
  for (const l of out) {
    log(
      `N=${ctx.n}: ${l.backend} end -> next stage median ${l.seconds.median.toFixed(2)} s (max ${l.seconds.max.toFixed(2)}), ` +
        `${l.beforeNextCheck} of ${l.runs} before their next periodic check`,
    );
  }
  return out;
}

function summary(backend: NoticeBackend, runs: Array<{ seconds: number; beforeNextCheck: boolean }>): NoticeLatency {
  return {
    backend,
    seconds: spread(runs.map((r) => r.seconds)),
    beforeNextCheck: runs.filter((r) => r.beforeNextCheck).length,
    runs: runs.length,
  };
}

/** When the run's next periodic check is due (from its pending awaitTraining activity), once it has made one. */
async function nextCheckAt(client: Client, handle: WorkflowHandle): Promise<number> {
  return waitFor(
    async () => {
      const check = await pendingTrainingCheck(client, await handle.describe());
      return check && check.checks >= 1 && check.nextCheckAt ? Date.parse(check.nextCheckAt) : undefined;
    },
    10 * 60_000,
    `a first check of ${handle.workflowId}`,
  );
}

/** Seconds from `endedAt` to the run entering `evaluating`, and whether that came before its next periodic check. */
async function movedOn(
  handle: WorkflowHandle,
  endedAt: number,
  nextCheck: number,
): Promise<{ seconds: number; beforeNextCheck: boolean }> {
  const evaluating = await waitFor(
    async () => {
      const at = (await handle.query(progressQuery)).timings.evaluating;
      return at ? Date.parse(at) : undefined;
    },
    5 * 60_000,
    `${handle.workflowId} to move on`,
  );
  return { seconds: (evaluating - endedAt) / 1000, beforeNextCheck: evaluating < nextCheck };
}

async function startJobsRuns(ctx: LatencyContext) {
  const { fakes } = ctx;
  const runs: Array<{ handle: WorkflowHandle; pipeline: string }> = [];
  for (let i = 0; i < ctx.settings.latency['hf-jobs']; i++) {
    const name = `jobs-${ctx.n}-${i}`;
    const dataset = `${BENCH_USER}/${name}`;
    fakes.hub.addDataset(dataset);
    const [pipeline] = parseConfig({
      pipelines: [
        {
          name,
          target_namespace: BENCH_USER,
          input_dataset: dataset,
          input_model: 'bench/base-model',
          backend: { type: 'hf-jobs' },
        },
      ],
    });
    fakes.jobs.scriptFor = (request) => ({
      outcome: 'hang',
      schedulingMs: 50,
      pushModel: {
        repo: `${BENCH_USER}/${request.labels?.['retrain-pipeline'] ?? 'model'}`,
        files: { 'eval_results.json': '{"eval_accuracy": 0.9}', 'config.json': '{}' },
      },
    });
    runs.push({ handle: await startRun(ctx, pipeline!, fakes.hub.head(dataset)), pipeline: name });
  }
  return { runs, startedAt: Date.now() };
}

async function startLocalRuns(ctx: LatencyContext) {
  const runs: Array<{ handle: WorkflowHandle; release: string }> = [];
  for (let i = 0; i < ctx.settings.latency.local; i++) {
    const name = `local-${ctx.n}-${i}`;
    const folder = join(WORK, 'datasets', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'train.csv'), `text,label\n${name},pos\n`);
    const release = join(WORK, `${name}.release`);
    // A trainer that trains until the benchmark releases it, then writes its metrics and exits 0.
    const script =
      'while [ ! -e "$0" ]; do sleep 0.05; done; printf \'{"accuracy": 0.9}\' > "$RETRAIN_OUTPUT_DIR/metrics.json"';
    const [pipeline] = parseConfig({
      pipelines: [
        {
          name,
          target_namespace: 'local',
          input_dataset: `file:${folder}`,
          input_model: 'none',
          task: 'text-classification',
          backend: { type: 'local', command: ['sh', '-c', script, release] },
          notify: { discussions: false },
        },
      ],
    });
    runs.push({ handle: await startRun(ctx, pipeline!, await folderRevision(folder)), release });
  }
  return runs;
}

async function startRun(ctx: LatencyContext, pipeline: PipelineSpec, revision: string): Promise<WorkflowHandle> {
  const workflowId = retrainWorkflowId(pipeline.name, revision);
  ctx.extraIds.push(workflowId);
  return ctx.client.workflow.start(RETRAIN_WORKFLOW, {
    workflowId,
    taskQueue: ctx.taskQueue,
    args: [{ pipeline, revision, attempt: 1 } satisfies RetrainInput],
    typedSearchAttributes: [
      { key: RetrainPipeline, value: pipeline.name },
      { key: RetrainRevision, value: revision },
    ],
  });
}

async function historyLengths(client: Client, ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const d = await client.workflow.getHandle(id).describe();
      return Number(d.historyLength);
    }),
  );
}

async function countNotRunning(client: Client, ids: string[]): Promise<number> {
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
