/**
 * The end of a training is noticed when the backend tells it, not at the next periodic check: the local
 * supervisor signals the run when its trainer exits, the fake Hub delivers AutoTrain's outcome discussion to the
 * real receiver (which signals the run), and a worker's shared Jobs check tells the run whose job ended. Each
 * worker here makes its periodic checks rare (ten minutes apart), so a run that moved on before its next check was
 * due was told; no test measures seconds. Real Temporal dev server, real processes, the strict fakes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ActivityDeps } from '../../src/activities';
import type { CheckSchedule } from '../../src/activities/check-schedule';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import { folderRevision } from '../../src/datasets/local-folder';
import { createLogger } from '../../src/logging';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { pendingTrainingCheck, type TrainingCheck } from '../../src/server/api/training-check';
import { progressQuery } from '../../src/workflows/definitions';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, startJobsFakes, type JobsStack } from '../helpers/jobs-stack';
import {
  datasetFolder,
  folderPipeline,
  pipelineSpec,
  startFakes,
  startRetrainRun,
  TEST_USER,
  type FakeStack,
} from '../helpers/stack';
import {
  eventually,
  scratchDirs,
  startWorker,
  testAddress,
  testClient,
  unique,
  type RunningWorker,
} from '../helpers/temporal';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];
/** Periodic checks ten minutes apart from the start: whatever moves a run on sooner is a notice. */
const RARE: CheckSchedule = { firstDelayMs: 10 * 60_000, safetyNetMs: 10 * 60_000 };
const TEMPORAL_KEY = 'temporal-api-key-for-notice-tests';

let client: Client;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await client?.connection.close();
});

async function worker(deps: ActivityDeps): Promise<RunningWorker> {
  const started = await startWorker(unique('notices'), deps);
  workers.push(started);
  return started;
}

/** Once the run has checked its job and waits for the next check: when that check is due. */
function waitingForNextCheck(handle: WorkflowHandle): Promise<TrainingCheck & { nextCheckAt: string }> {
  return eventually(
    async () => {
      const check = await pendingTrainingCheck(client, await handle.describe());
      return check && check.checks >= 1 && check.nextCheckAt ? { ...check, nextCheckAt: check.nextCheckAt } : undefined;
    },
    60_000,
    'a first status check',
  );
}

/** The run trained and moved on before its next periodic check was due, and why: a trainingEnded notice from `by`. */
async function expectToldBeforeTheNextCheck(handle: WorkflowHandle, nextCheckAt: string, by: RegExp): Promise<void> {
  const result = (await handle.result()) as { outcome: string };
  expect(result.outcome).toBe('succeeded');
  const progress = await handle.query(progressQuery);
  expect(Date.parse(progress.timings.evaluating!)).toBeLessThan(Date.parse(nextCheckAt));
  expect(progress.notices).toBe(1);
  const history = await handle.fetchHistory();
  const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
  expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes!.signalName)).toEqual(['trainingEnded']);
  expect(signals[0]!.workflowExecutionSignaledEventAttributes!.identity).toMatch(by);
  expect(signals[0]!.workflowExecutionSignaledEventAttributes!.input?.payloads ?? []).toEqual([]);
}

describe('local: the supervisor tells the run when its trainer exits', () => {
  const saved = { key: process.env.TEMPORAL_API_KEY, tls: process.env.TEMPORAL_TLS };
  let deps: ActivityDeps;
  let queue: string;

  beforeAll(async () => {
    // The worker's Temporal settings reach the supervisor (the dev server ignores the key), never the trainer.
    process.env.TEMPORAL_API_KEY = TEMPORAL_KEY;
    process.env.TEMPORAL_TLS = 'false';
    deps = {
      hubEndpoint: 'http://127.0.0.1:9',
      namespace: 'default',
      defaultTrainerCommand: TRAINER,
      temporal: { address: testAddress(), namespace: 'default' },
      checkSchedule: RARE,
      ...scratchDirs(),
    };
    queue = (await worker(deps)).taskQueue;
  });

  afterAll(() => {
    for (const [name, value] of [
      ['TEMPORAL_API_KEY', saved.key],
      ['TEMPORAL_TLS', saved.tls],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('the run moves on when the trainer exits, long before its next periodic check', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'notice-'));
    const folder = mkdtempSync(join(tmpdir(), 'dataset-'));
    writeFileSync(join(folder, 'train.csv'), 'text,label\ngood,pos\nbad,neg\n');
    const release = join(scratch, 'release');
    const envFile = join(scratch, 'trainer-env');
    const [pipeline] = parseConfig({
      pipelines: [
        {
          name: unique('told'),
          target_namespace: TEST_USER,
          input_dataset: `file:${folder}`,
          input_model: 'tfidf-logreg',
          task: 'text-classification',
          backend: { type: 'local', params: { seconds: 0.2, until_file: release, env_file: envFile } },
          notify: { discussions: false },
        },
      ],
    });
    const handle = await startRetrainRun(client, queue, pipeline!, await folderRevision(folder));

    const waiting = await waitingForNextCheck(handle);
    writeFileSync(release, '');
    await expectToldBeforeTheNextCheck(handle, waiting.nextCheckAt, /^hub-retrain supervisor /);

    const runDir = join(deps.stateDir, 'local-runs', (await handle.query(progressQuery)).jobId!);
    const supervisorLog = readFileSync(join(runDir, 'supervisor.log'), 'utf8');
    expect(supervisorLog).toContain(`told the run ${handle.workflowId} that the trainer exited`);
    expect(supervisorLog).not.toContain(TEMPORAL_KEY);
    expect(readFileSync(join(runDir, 'launch.json'), 'utf8')).not.toContain(TEMPORAL_KEY);
    const trainerEnv = readFileSync(envFile, 'utf8').split('\n');
    expect(trainerEnv).toContain('RETRAIN_OUTPUT_DIR');
    expect(trainerEnv).not.toContain('TEMPORAL_API_KEY');
    await expectSecretAbsentFromHistories(client, [handle.workflowId], TEMPORAL_KEY, pipeline!.name);
  });

  test('when Temporal cannot be reached, the supervisor gives up in time and the periodic check sees the exit', async () => {
    const dirs = scratchDirs();
    const unreachable = await worker({
      ...deps,
      temporal: { address: '127.0.0.1:9', namespace: 'default', giveUpMs: 1_500 },
      checkSchedule: undefined, // the ordinary schedule: checks a second apart (poll_interval_seconds: 1)
      ...dirs,
    });
    const folder = datasetFolder();
    const pipeline = folderPipeline('lost', folder, {
      backend: { type: 'local', params: { seconds: 0.2 } },
      notify: { discussions: false },
    });
    const handle = await startRetrainRun(client, unreachable.taskQueue, pipeline, await folderRevision(folder));
    expect(((await handle.result()) as { outcome: string }).outcome).toBe('succeeded');
    const progress = await handle.query(progressQuery);
    expect(progress.notices).toBeUndefined();

    const supervisorLog = join(dirs.stateDir, 'local-runs', progress.jobId!, 'supervisor.log');
    const log = await eventually(async () => {
      const text = readFileSync(supervisorLog, 'utf8');
      return text.includes('giving up') ? text : undefined;
    });
    expect(log).toMatch(/could not tell the run \(attempt \d+, giving up; its periodic check will see the exit\)/);
    expect(log).toContain('could not connect to Temporal at 127.0.0.1:9');
    expect(log).not.toContain(TEMPORAL_KEY);
  });
});

describe('AutoTrain: the outcome discussion reaches the receiver through the Hub webhook', () => {
  const SECRET = 'notice-webhook-secret';
  let fakes: FakeStack;
  let receiver: Receiver;
  let pipeline: PipelineSpec;
  let queue: string;

  beforeAll(async () => {
    fakes = await startFakes();
    pipeline = pipelineSpec(fakes, { name: unique('told'), poll_interval_seconds: 60 });
    fakes.autotrain.scripts.set(pipeline.name, { outcome: 'hang', buildMs: 50 });
    queue = (await worker({ ...fakes.activityDeps, checkSchedule: RARE })).taskQueue;
    receiver = await startReceiver({
      client,
      taskQueue: queue,
      pipelines: [pipeline],
      webhookSecret: SECRET,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('silent'),
      temporalTimeoutMs: 5_000,
    });
    // What `hub-retrain hub-webhook create` sets up for an AutoTrain pipeline: the namespace's discussions.
    fakes.hub.addWebhook(TEST_USER, {
      url: `http://127.0.0.1:${receiver.port}/webhook`,
      watched: [{ type: 'user', name: TEST_USER }],
      domains: ['discussion'],
      secret: SECRET,
    });
  });

  afterAll(async () => {
    await receiver?.close();
    await fakes?.stop();
  });

  test('the run moves on when AutoTrain posts its outcome, long before its next periodic check', async () => {
    const handle = await startRetrainRun(client, queue, pipeline, fakes.hub.head(fakes.dataset));
    const waiting = await waitingForNextCheck(handle);
    const { jobId } = await handle.query(progressQuery);
    await eventually(async () => (fakes.hub.spaceStage(jobId!) === 'RUNNING' ? true : undefined));

    fakes.autotrain.end(jobId!);
    await expectToldBeforeTheNextCheck(handle, waiting.nextCheckAt, /.*/);
    const delivered = fakes.hub.webhookDeliveries.filter(
      (d) => (d.payload.repo as { name: string }).name === jobId && d.url.includes(`:${receiver.port}/`),
    );
    expect(delivered.map((d) => d.status)).toEqual([202]);
  });

  test('a discussion of another kind, or for a run that no longer waits, is answered 200 and tells nobody', async () => {
    const deliveries = fakes.hub.webhookDeliveries.length;
    fakes.hub.openDiscussion('dataset', fakes.dataset, 'A question about the labels', 'Why?', TEST_USER);
    const space = `${TEST_USER}/autotrain-${pipeline.autotrain_project_prefix}-000000000000`;
    fakes.hub.createSpace(space, 'RUNNING');
    fakes.hub.openDiscussion('space', space, 'Your training has finished successfully ✅', 'Done.', TEST_USER);
    const answered = await eventually(async () => {
      const later = fakes.hub.webhookDeliveries.slice(deliveries);
      return later.length === 2 && later.every((d) => d.status !== undefined) ? later : undefined;
    });
    expect(answered.map((d) => d.status)).toEqual([200, 200]);
  });
});

describe("Hugging Face Jobs: the worker's shared check tells the run whose job ended", () => {
  let fakes: JobsStack;
  let queue: string;

  beforeAll(async () => {
    fakes = await startJobsFakes();
    fakes.jobs.defaultScript = { outcome: 'hang', schedulingMs: 50, logs: ['epoch 1'] };
    queue = (await worker({ ...fakes.activityDeps, checkSchedule: RARE })).taskQueue;
  });

  afterAll(async () => {
    await fakes?.stop();
  });

  test('the run moves on within one shared check of its job ending, long before its own next check', async () => {
    const pipeline = jobsPipeline(fakes, { name: unique('told'), poll_interval_seconds: 1 });
    const handle = await startRetrainRun(client, queue, pipeline, fakes.hub.head(fakes.dataset));
    const waiting = await waitingForNextCheck(handle);
    const [job] = fakes.jobs.jobsLabelled({ 'retrain-pipeline': pipeline.name });
    await eventually(async () => (fakes.jobs.job(job!.id)?.stage === 'RUNNING' ? true : undefined));

    fakes.jobs.end(job!.id);
    await expectToldBeforeTheNextCheck(handle, waiting.nextCheckAt, /^hub-retrain worker /);
  });
});
