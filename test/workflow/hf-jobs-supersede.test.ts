/**
 * PipelineWorkflow with the hf-jobs backend and `on_new_revision: "cancel"`, driven the way the receiver
 * drives it (signalWithStart through UpdateRecorder), on a real Temporal dev server.
 */
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { pipelineStateQuery, retrainWorkflowId, type Delivery } from '../../src/workflows/definitions';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, trainingThatPushes, useJobsWorkerStack } from '../helpers/jobs-stack';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

const stack = useJobsWorkerStack('hf-jobs-pipeline');

const delivery = (sha: string): Delivery => ({ source: 'webhook', receivedAt: new Date().toISOString(), newSha: sha });

test('a newer revision with on_new_revision "cancel" cancels the running job at Jobs and trains the newest one', async () => {
  const name = unique('supersede');
  const first = stack.fakes.hub.head(stack.fakes.dataset);
  stack.fakes.jobs.scriptFor = (request) =>
    request.labels?.['retrain-revision'] === first
      ? { outcome: 'hang', schedulingMs: 50 }
      : trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.91 });
  const pipeline = jobsPipeline(stack.fakes, { name, on_new_revision: 'cancel' });
  const recorder = new UpdateRecorder(stack.client, stack.worker.taskQueue, 10_000);
  const pipelineId = await recorder.record(pipeline, first, delivery(first));
  const runJobs = (revision: string) =>
    stack.fakes.jobs.jobsLabelled({ 'retrain-pipeline': name, 'retrain-revision': revision });

  try {
    const running = await eventually(
      () => runJobs(first).find((job) => job.stage === 'RUNNING'),
      30_000,
      'the first revision training',
    );
    const second = stack.fakes.hub.pushCommit(stack.fakes.dataset);
    await recorder.record(pipeline, second, delivery(second));

    const state = await eventually(
      async () => {
        const s = await stack.client.workflow.getHandle(pipelineId).query(pipelineStateQuery);
        return s.lastResult?.revision === second ? s : undefined;
      },
      60_000,
      'the second revision trained',
    );
    expect(stack.fakes.jobs.cancelCalls).toContain(running.id);
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
      stack.client,
      [pipelineId, retrainWorkflowId(name, first), retrainWorkflowId(name, second)],
      TEST_TOKEN,
      stack.fakes.dataset,
    );
  } finally {
    await stack.client.workflow
      .getHandle(pipelineId)
      .terminate('test over')
      .catch(() => undefined);
  }
});
