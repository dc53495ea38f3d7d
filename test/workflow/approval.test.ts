/**
 * approval: "required" — a RetrainWorkflow stops after addData, asks on the Community tab, and waits for a
 * decision: the decide Update (admitted only while awaiting approval, and only once; it returns the
 * decision), or the original approve/reject signals, still accepted; no decision within approval_timeout
 * rejects with compensation.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  APPROVAL_REFUSED,
  approveSignal,
  decideUpdate,
  progressQuery,
  rejectSignal,
  type ApprovalRequest,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { pipelineSpec, startRetrainRun, useWorkerStack } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

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

const decide = (handle: WorkflowHandle<typeof RetrainWorkflow>, request: ApprovalRequest) =>
  handle.executeUpdate(decideUpdate, { args: [request] });

/** The validator's refusal, as a client sees it. */
async function refusal(decision: Promise<unknown>): Promise<string> {
  const err = await decision.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(APPROVAL_REFUSED);
  return cause!.message;
}

test('approve (Update): the request says how, nothing trains until approved; the decision is returned, taken once', async () => {
  const { handle, pipeline } = await startAwaitingApproval();
  const request = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`approve retraining ${pipeline.name}`));
  expect(request?.description).toContain(`hub-retrain approve ${handle.workflowId}`);
  expect(request?.description).toContain('/approve');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(0);

  const taken = await decide(handle, { approved: true, by: 'alice', comment: 'looks right' });
  expect(taken).toEqual({
    decision: 'approved',
    by: 'alice',
    comment: 'looks right',
    decidedAt: expect.any(String) as string,
  });
  // A second decision, either way, is refused and changes nothing.
  expect(await refusal(decide(handle, { approved: false, by: 'bob' }))).toBe(
    `this run was already approved by alice at ${taken.decidedAt}`,
  );
  expect(await refusal(decide(handle, { approved: true, by: 'carol' }))).toContain('already approved by alice');

  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(1);
  const progress = await handle.query(progressQuery);
  expect(progress.approval).toMatchObject({ decision: 'approved', by: 'alice', comment: 'looks right' });
  expect(progress.ignoredDecisions).toBeUndefined();
});

test('reject (Update): the run ends rejected, compensated and announced, and nothing trains', async () => {
  const { handle, pipeline } = await startAwaitingApproval();
  expect(await decide(handle, { approved: false, by: 'bob' })).toMatchObject({ decision: 'rejected', by: 'bob' });
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

test('the Update is refused before the run waits for approval, and on a run whose pipeline asks none', async () => {
  // Hold createProject (its AutoTrain version check) so the run is still in "created" when the decision comes.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const hold = { method: 'GET', path: '/api/version', times: 1, hold: held };
  stack.fakes.autotrain.faults.add(hold);
  const early = await startRetrainRun(
    stack.client,
    stack.worker.taskQueue,
    pipelineSpec(stack.fakes, { approval: 'required' }),
    stack.fakes.hub.head(stack.fakes.dataset),
  );
  await eventually(async () => (stack.fakes.autotrain.faults.hitsOf(hold) > 0 ? true : undefined));
  expect(await refusal(decide(early, { approved: true, by: 'alice' }))).toBe(
    'this run is not waiting for approval (stage "created")',
  );
  release();
  await eventually(async () => ((await early.query(progressQuery)).stage === 'awaiting-approval' ? true : undefined));
  await decide(early, { approved: false, by: 'alice' });
  await expect(early.result()).rejects.toThrow(WorkflowFailedError);

  const name = unique('noapproval');
  stack.fakes.autotrain.scripts.set(name, { outcome: 'hang', buildMs: 50 });
  const unasked = await stack.startRetrain({ name });
  await eventually(async () => ((await unasked.query(progressQuery)).stage === 'training' ? true : undefined));
  expect(await refusal(decide(unasked, { approved: false, by: 'mallory' }))).toBe(
    'this run is not waiting for approval (its pipeline has approval "none")',
  );
  expect((await unasked.query(progressQuery)).stage).toBe('training');
  await unasked.cancel();
  await unasked.result().catch(() => undefined);
});

test('the original signals still decide; a second signal is not acted on, but logged and kept in the progress', async () => {
  const { handle } = await startAwaitingApproval();
  await handle.signal(approveSignal, { by: 'alice' });
  await handle.signal(rejectSignal, { by: 'bob' });
  // After a signalled decision, the Update is refused too.
  expect(await refusal(decide(handle, { approved: false, by: 'carol' }))).toContain('already approved by alice');
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const progress = await handle.query(progressQuery);
  expect(progress.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  expect(progress.ignoredDecisions).toEqual([
    {
      decision: 'rejected',
      by: 'bob',
      at: expect.any(String) as string,
      reason: expect.stringContaining('this run was already approved by alice') as string,
    },
  ]);
});

test('no decision within approval_timeout rejects the run with compensation', async () => {
  const { handle, pipeline } = await startAwaitingApproval({ approval_timeout: '2s' });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ stage: 'compensated', outcome: 'rejected', approval: { decision: 'timed-out' } });
  expect(progress.error).toContain('approval timed out');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline.autotrain_project_prefix)).toHaveLength(0);
});
