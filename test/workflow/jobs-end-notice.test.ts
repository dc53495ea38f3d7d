/**
 * A Hugging Face job reports its own end: hub-retrain wraps its command to post, as it exits, to the receiver's
 * `POST /api/runs/<id>/training-ended` with a token for that run alone (HMAC of the workflow id, keyed with the
 * webhook secret), and the receiver signals the run, which checks its job at once. The worker's periodic checks are
 * ten minutes apart and its shared Jobs check follows the pipeline's hour-long poll interval, so a run that moved on
 * within the test was told by the job; no test measures seconds. Real Temporal dev server, the real receiver, the
 * fake Jobs API (which plays the wrapper's part when a job's command exits).
 */
import type { Client } from '@temporalio/client';
import type { CheckSchedule } from '../../src/activities/check-schedule';
import { noticeToken } from '../../src/backends/hf-jobs/end-notice';
import { createLogger } from '../../src/logging';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { progressQuery } from '../../src/workflows/definitions';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, startJobsFakes, type JobsStack } from '../helpers/jobs-stack';
import { startRetrainRun, TEST_TOKEN } from '../helpers/stack';
import { eventually, startWorker, testClient, trainingChecks, unique, type RunningWorker } from '../helpers/temporal';

const SECRET = 'jobs-end-notice-webhook-secret';
const RARE: CheckSchedule = { firstDelayMs: 10 * 60_000, safetyNetMs: 10 * 60_000 };

let client: Client;
let fakes: JobsStack;
let receiver: Receiver;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  client = await testClient();
  fakes = await startJobsFakes();
  fakes.jobs.defaultScript = { outcome: 'hang', schedulingMs: 50, logs: ['epoch 1'] };
  receiver = await startReceiver({
    client,
    taskQueue: unique('unused'),
    pipelines: [],
    webhookSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 5_000,
  });
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await receiver?.close();
  await fakes?.stop();
  await client?.connection.close();
});

async function worker(publicUrl: string): Promise<string> {
  const started = await startWorker(unique('end-notice'), {
    ...fakes.activityDeps,
    checkSchedule: RARE,
    publicUrl,
    webhookSecret: SECRET,
  });
  workers.push(started);
  return started.taskQueue;
}

async function runUntilRunning(queue: string, pollIntervalSeconds: number) {
  const pipeline = jobsPipeline(fakes, { name: unique('told'), poll_interval_seconds: pollIntervalSeconds });
  const handle = await startRetrainRun(client, queue, pipeline, fakes.hub.head(fakes.dataset));
  const job = await eventually(() => fakes.jobs.jobsLabelled({ 'retrain-pipeline': pipeline.name })[0]);
  // Running, and its run has checked it once and waits for the next check: only a notice ends that wait soon.
  await eventually(async () => {
    const checks = await trainingChecks(client, handle.workflowId);
    return job.stage === 'RUNNING' && checks && checks.checks >= 1 && checks.betweenChecks ? true : undefined;
  });
  return { pipeline, handle, job };
}

test('the job posts its end to the receiver, which tells the run: it moves on long before any periodic check', async () => {
  const queue = await worker(`http://127.0.0.1:${receiver.port}`);
  const { pipeline, handle, job } = await runUntilRunning(queue, 3600);

  // What the job was given: the notice URL in its environment, the run's token as a secret, nothing else.
  const token = noticeToken(SECRET, handle.workflowId);
  expect(job.request.environment?.RETRAIN_NOTICE_URL).toBe(
    `http://127.0.0.1:${receiver.port}/api/runs/${encodeURIComponent(handle.workflowId)}/training-ended`,
  );
  expect(job.request.secrets).toEqual({ HF_TOKEN: TEST_TOKEN, RETRAIN_NOTICE_TOKEN: token });
  expect(job.request.command?.slice(0, 2)).toEqual(['sh', '-c']);
  const visible = JSON.stringify([job.request.command, job.request.environment, job.request.labels]);
  for (const secret of [SECRET, TEST_TOKEN, token]) expect(visible).not.toContain(secret);

  fakes.jobs.end(job.id);
  await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  expect(fakes.jobs.exitNotices).toContainEqual({ jobId: job.id, status: 202 });
  const progress = await handle.query(progressQuery);
  expect(progress.notices).toBe(1);
  const signals = ((await handle.fetchHistory()).events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes,
  );
  expect(signals).toHaveLength(1);
  expect(signals[0]!.workflowExecutionSignaledEventAttributes!.identity).not.toMatch(/^hub-retrain worker /);
  for (const secret of [SECRET, token]) {
    await expectSecretAbsentFromHistories(client, [handle.workflowId], secret, pipeline.name);
  }
});

test("a job whose notice cannot reach the receiver is still seen: the worker's shared check tells the run", async () => {
  const queue = await worker('http://127.0.0.1:9');
  const { handle, job } = await runUntilRunning(queue, 1);
  fakes.jobs.end(job.id);
  await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  expect(await eventually(() => fakes.jobs.exitNotices.find((n) => n.jobId === job.id))).toEqual({
    jobId: job.id,
    status: 0,
  });
  const signals = ((await handle.fetchHistory()).events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes,
  );
  expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes!.identity)).toEqual([
    expect.stringMatching(/^hub-retrain worker /),
  ]);
});
