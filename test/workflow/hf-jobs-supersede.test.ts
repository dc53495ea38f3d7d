/**
 * PipelineWorkflow with the hf-jobs backend and `on_new_revision: "cancel"`, driven the way the receiver
 * drives it (signalWithStart through UpdateRecorder), on a real Temporal dev server.
 */
import type { Client } from '@temporalio/client';
import { UpdateRecorder } from '../../src/server/record-update';
import { pipelineStateQuery, retrainWorkflowId, type Delivery } from '../../src/workflows/definitions';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let fakes: JobsStack;
let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  fakes = await startJobsFakes();
  client = await testClient();
  worker = await startWorker(unique('hf-jobs-pipeline'), fakes.activityDeps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const delivery = (sha: string): Delivery => ({ source: 'webhook', receivedAt: new Date().toISOString(), newSha: sha });

test('a newer revision with on_new_revision "cancel" cancels the running job at Jobs and trains the newest one', async () => {
  const name = unique('supersede');
  const first = fakes.hub.head(fakes.dataset);
  fakes.jobs.scriptFor = (request) =>
    request.labels?.['retrain-revision'] === first
      ? { outcome: 'hang', schedulingMs: 50 }
      : trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.91 });
  const pipeline = jobsPipeline(fakes, { name, on_new_revision: 'cancel' });
  const recorder = new UpdateRecorder(client, worker.taskQueue, 10_000);
  const pipelineId = await recorder.record(pipeline, first, delivery(first));
  const runJobs = (revision: string) =>
    fakes.jobs.jobsLabelled({ 'retrain-pipeline': name, 'retrain-revision': revision });

  try {
    const running = await eventually(
      () => runJobs(first).find((job) => job.stage === 'RUNNING'),
      30_000,
      'the first revision training',
    );
    const second = fakes.hub.pushCommit(fakes.dataset);
    await recorder.record(pipeline, second, delivery(second));

    const state = await eventually(
      async () => {
        const s = await client.workflow.getHandle(pipelineId).query(pipelineStateQuery);
        return s.lastResult?.revision === second ? s : undefined;
      },
      60_000,
      'the second revision trained',
    );
    expect(fakes.jobs.cancelCalls).toContain(running.id);
    expect(running.stage).toBe('CANCELED');
    expect(runJobs(first)).toHaveLength(1);
    expect(runJobs(second)).toHaveLength(1);
    expect(runJobs(second)[0]).toMatchObject({ stage: 'COMPLETED' });
    expect(runJobs(second)[0]!.request.command).toContain(second);
    expect(state.lastResult).toMatchObject({ revision: second, outcome: 'succeeded' });
    expect(state.recent.find((run) => run.revision === first)?.outcome).toBe('cancelled');
    expect(state.superseded).toContainEqual(
      expect.objectContaining({ revision: first, by: second, reason: 'cancelled-running' }),
    );

    await expectSecretAbsentFromHistories(
      client,
      [pipelineId, retrainWorkflowId(name, first), retrainWorkflowId(name, second)],
      TEST_TOKEN,
      fakes.dataset,
    );
  } finally {
    await client.workflow
      .getHandle(pipelineId)
      .terminate('test over')
      .catch(() => undefined);
  }
});
