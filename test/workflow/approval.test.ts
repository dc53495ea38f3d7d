/**
 * approval: "required" — a RetrainWorkflow stops after addData, asks on the Community tab, and waits for
 * an approve or reject signal (or times out, which rejects with compensation).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approveSignal, progressQuery, rejectSignal } from '../../src/workflows/definitions';
import { pipelineSpec, startRetrainRun, useWorkerStack } from '../helpers/stack';
import { eventually } from '../helpers/temporal';

const stack = useWorkerStack('approval');

async function startAwaitingApproval(overrides: Record<string, unknown> = {}) {
  const { fakes } = stack;
  const pipeline = pipelineSpec(fakes, { approval: 'required', ...overrides });
  const handle = await startRetrainRun(stack.client, stack.worker.taskQueue, pipeline, fakes.hub.head(fakes.dataset));
  // Waiting, and the request is on the Community tab.
  await eventually(async () => {
    const progress = await handle.query(progressQuery);
    return progress.stage === 'awaiting-approval' && progress.links.discussion ? true : undefined;
  });
  return { handle, pipeline };
}

const titles = () => stack.fakes.hub.discussionsOf('dataset', stack.fakes.dataset).map((d) => d.title);

test('approve: the request is posted with how to approve, nothing trains until approved, then it trains', async () => {
  const { handle, pipeline } = await startAwaitingApproval();
  const request = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`approve retraining ${pipeline.name}`));
  expect(request?.description).toContain(`hub-retrain approve ${handle.workflowId}`);
  expect(request?.description).toContain('/approve');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(0);

  await handle.signal(approveSignal, { by: 'alice' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(1);
  expect((await handle.query(progressQuery)).approval).toMatchObject({ decision: 'approved', by: 'alice' });
});

test('reject: the run ends rejected, compensated and announced, and nothing trains', async () => {
  const { handle, pipeline } = await startAwaitingApproval();
  await handle.signal(rejectSignal, { by: 'bob' });
  const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure.cause as ApplicationFailure).type).toBe('Rejected');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(0);
  expect(titles().some((t) => t.includes(`${pipeline.name} was not retrained`))).toBe(true);
  expect(await handle.query(progressQuery)).toMatchObject({
    stage: 'compensated',
    outcome: 'rejected',
    approval: { decision: 'rejected', by: 'bob' },
  });
});

test('no decision within approval_timeout rejects the run with compensation', async () => {
  const { handle, pipeline } = await startAwaitingApproval({ approval_timeout: '2s' });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ stage: 'compensated', outcome: 'rejected', approval: { decision: 'timed-out' } });
  expect(progress.error).toContain('approval timed out');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(0);
});
