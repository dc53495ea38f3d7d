/**
 * Benchmark: from a Hugging Face job's end to its run's next stage. A Temporal dev server (in memory), the worker and
 * the receiver in this process, the fake Hub with the fake Jobs API (which posts a wrapped job's end notice as its
 * command exits, as the job's wrapper does). Each run's job hangs until the bench ends it; the time measured is from
 * `FakeJobs.end` to the run's `evaluating` timing (its next stage), both read on this machine's clock.
 *
 * Two ways of noticing, each over the same number of runs ended one at a time:
 * - `notice`: the worker knows the receiver (PUBLIC_URL) and the webhook secret, so the job posts its end notice;
 * - `watch`: no receiver known, the worker's shared Jobs check is what tells the run (the safety net).
 * Both with a pipeline poll interval of 60 s and the checks of a training over two minutes old (60 s apart).
 *
 *   tsx bench/jobs-end-notice.bench.ts [--quick]
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load-config';
import { createLogger } from '../src/logging';
import { startReceiver } from '../src/server/serve';
import { startDevServer } from '../src/temporal/dev-server';
import { writeWorkflowBundles } from '../src/temporal/workflow-bundle';
import { createRetrainWorker } from '../src/worker';
import { progressQuery, RETRAIN_WORKFLOW, retrainWorkflowId } from '../src/workflows/definitions';
import { FakeHub } from '../test/fakes/fake-hub';
import { FakeJobs } from '../test/fakes/fake-jobs';
import { describeMachine, type Machine } from './lib/machine';
import { conditions, isQuick, writeResults } from './lib/results';
import { log } from './lib/stack';
import { summarizeLatencies, type LatencySummary } from './lib/stats';

const FULL = { runs: { notice: 20, watch: 5 }, gapMs: 500 };
const QUICK: typeof FULL = { runs: { notice: 4, watch: 2 }, gapMs: 500 };
/**
 * The checks of a training over two minutes old (its age × 0.5 has reached the pipeline's 60 s poll interval): the
 * run's own checks and the worker's shared check are 60 s apart, as for most of a real training.
 */
const AGED = { firstDelayMs: 60_000, safetyNetMs: 10 * 60_000 };
const SECRET = 'bench-jobs-notice-secret-0123456789';
const TOKEN = 'hf_bench_jobs_notice_token_0123456789';
const USER = 'acme';

export type NoticeMode = 'notice' | 'watch';

export interface JobsEndNoticeResults {
  quick: boolean;
  settings: typeof FULL;
  machine: Machine;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  /** Milliseconds from the job's end to the run's next stage, per run. */
  samples: Record<NoticeMode, number[]>;
  summary: Record<NoticeMode, LatencySummary>;
}

async function main(): Promise<void> {
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  const start = conditions();
  log(`jobs-end-notice bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({});
  const hub = new FakeHub().addToken(TOKEN, { name: USER });
  const jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
  jobs.defaultScript = { outcome: 'hang', schedulingMs: 50, logs: ['epoch 1'] };
  const dataset = `${USER}/beans`;
  hub.addDataset(dataset);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: server.address });
  const bundle = await writeWorkflowBundles(join(mkdtempSync(join(tmpdir(), 'bench-bundle-')), 'workflow-bundle.js'));
  const receiver = await startReceiver({
    client,
    taskQueue: 'bench-notice',
    pipelines: [],
    webhookSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
  });
  const samples: Record<NoticeMode, number[]> = { notice: [], watch: [] };
  try {
    for (const mode of ['notice', 'watch'] as const) {
      const taskQueue = `bench-${mode}`;
      const state = mkdtempSync(join(tmpdir(), 'bench-state-'));
      const worker = await createRetrainWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        workflowBundlePath: bundle.plain,
        activities: {
          hubEndpoint: hub.url,
          hfToken: TOKEN,
          namespace: 'default',
          stateDir: join(state, 'state'),
          modelsDir: join(state, 'models'),
          checkSchedule: AGED,
          ...(mode === 'notice' ? { publicUrl: `http://127.0.0.1:${receiver.port}`, webhookSecret: SECRET } : {}),
        },
      });
      await worker.runUntil(async () => {
        for (let i = 0; i < settings.runs[mode]; i++) {
          samples[mode].push(await oneRun(client, hub, jobs, dataset, taskQueue, `${mode}-${i}`));
          await new Promise((r) => setTimeout(r, settings.gapMs));
        }
      });
      log(`${mode}: median ${summarizeLatencies(samples[mode]).p50.toFixed(0)} ms over ${samples[mode].length} runs`);
    }
  } finally {
    await receiver.close();
    await native.close();
    await connection.close();
    jobs.stop();
    await hub.stop();
    await server.stop();
  }
  const results: JobsEndNoticeResults = {
    quick,
    settings,
    machine: describeMachine(),
    conditions: { start, end: conditions() },
    samples,
    summary: { notice: summarizeLatencies(samples.notice), watch: summarizeLatencies(samples.watch) },
  };
  log(`wrote ${writeResults('jobs-end-notice', results, quick)}`);
}

/** One run: start it, wait until its job runs and it has checked once, end the job, time the next stage. */
async function oneRun(
  client: Client,
  hub: FakeHub,
  jobs: FakeJobs,
  dataset: string,
  taskQueue: string,
  name: string,
): Promise<number> {
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: USER,
        input_dataset: dataset,
        input_model: 'microsoft/resnet-50',
        backend: { type: 'hf-jobs' },
        poll_interval_seconds: 60,
        notify: { discussions: false },
      },
    ],
  });
  const revision = hub.pushCommit(dataset);
  const handle = await client.workflow.start(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(name, revision),
    taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
  const job = await until(() => jobs.jobsLabelled({ 'retrain-pipeline': name })[0]);
  // Running for a while: the run has made its first check and waits for the next one.
  await until(async () => (job.stage === 'RUNNING' ? true : undefined));
  await new Promise((r) => setTimeout(r, 1_500));
  const endedAt = Date.now();
  jobs.end(job.id);
  await handle.result();
  const progress = await handle.query(progressQuery);
  return Date.parse(progress.timings.evaluating!) - endedAt;
}

async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
