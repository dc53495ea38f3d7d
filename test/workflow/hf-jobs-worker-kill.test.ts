/**
 * Exactly once across a crash: a worker process (the real CLI) is killed with SIGKILL after Jobs created the
 * job and before the worker learned its id or polled it. The retried start must find the job by its labels.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { RETRAIN_WORKFLOW, retrainWorkflowId, type RetrainInput } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import {
  eventually,
  startWorker,
  testAddress,
  testBundlePath,
  testClient,
  unique,
  type RunningWorker,
} from '../helpers/temporal';

const ROOT = resolve(__dirname, '..', '..');

let fakes: JobsStack;
let client: Client;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  fakes = await startJobsFakes();
  client = await testClient();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await client?.connection.close();
  await fakes?.stop();
});

/** `node bin/hub-retrain.js worker`, configured through the environment only, as in production. */
function workerProcess(taskQueue: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['bin/hub-retrain.js', 'worker'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      HF_ENDPOINT: fakes.hub.url,
      HF_TOKEN: TEST_TOKEN,
      WORKFLOW_BUNDLE_PATH: testBundlePath(),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** The id Temporal gave the startProcessing activity of a run. */
async function startProcessingId(handle: WorkflowHandle): Promise<string | undefined> {
  const history = await handle.fetchHistory();
  const scheduled = history.events?.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startProcessing',
  );
  return scheduled?.activityTaskScheduledEventAttributes?.activityId ?? undefined;
}

test('a worker killed between creating the job and its first poll leaves exactly one job, and the run completes', async () => {
  const taskQueue = unique('hf-jobs-kill');
  const name = unique('killed');
  fakes.jobs.scriptFor = () => trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.88 });
  let answerCreates!: () => void;
  fakes.jobs.holdCreateAnswers = new Promise<void>((r) => (answerCreates = r));

  const pipeline = jobsPipeline(fakes, { name });
  const revision = fakes.hub.head(fakes.dataset);
  const input: RetrainInput = { pipeline, revision, attempt: 1 };
  const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(name, revision),
    taskQueue,
    args: [input],
  });
  cleanups.push(() => handle.terminate('test over'));

  const first = workerProcess(taskQueue);
  cleanups.push(() => killHard(first.child));
  const [created] = await eventually(
    () => (fakes.jobs.jobs.length > 0 ? fakes.jobs.jobs : undefined),
    90_000,
    'the first worker to create the job',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nworker output:\n${first.output()}`);
  });
  await killHard(first.child);
  const polled = fakes.hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${created!.id}`));
  expect(polled).toHaveLength(0); // killed before the first poll

  // The create answer reaches no one now.
  fakes.jobs.holdCreateAnswers = undefined;
  answerCreates();
  // Temporal notices the lost attempt when startProcessing's startToCloseTimeout (2 minutes) expires; fail
  // that attempt now, as the timeout would, so the retry comes in seconds. The retry is what is under test.
  const activityId = await startProcessingId(handle);
  expect(activityId).toBeDefined();
  await client.activity.fail({ workflowId: handle.workflowId, activityId: activityId! }, new Error('worker lost'));

  // A new worker takes over (workflow tasks after the sticky queue's schedule-to-start timeout, ~10 s).
  const second: RunningWorker = await startWorker(taskQueue, fakes.activityDeps);
  cleanups.push(() => second.stop());
  const result = await handle.result();

  expect(fakes.jobs.createRequests).toBe(1);
  expect(fakes.jobs.jobsLabelled({ 'retrain-pipeline': name })).toHaveLength(1);
  expect(result).toMatchObject({ outcome: 'succeeded', jobId: created!.id, metrics: { eval_accuracy: 0.88 } });
  await expectSecretAbsentFromHistories(client, [handle.workflowId], TEST_TOKEN, created!.id);
}, 180_000);
