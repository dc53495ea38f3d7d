/**
 * RetrainWorkflow on a real Temporal dev server, with the real activities talking HTTP to the fake Hub
 * and the fake AutoTrain server.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { progressQuery, RetrainStage, STILL_TRAINING, type RetrainResult } from '../../src/workflows/definitions';
import { PRICE_TABLE_DATE } from '../../src/budget/hardware-prices';
import { useWorkerStack } from '../helpers/stack';
import { eventually, runView, trainingChecks, unique } from '../helpers/temporal';

const stack = useWorkerStack('retrain');
const start = (overrides: Record<string, unknown> = {}) => stack.startRetrain(overrides);

/** The activities a run scheduled, in order, from its history. */
async function scheduled(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** The run's failure as Temporal stored it, and as the Web UI shows it. */
async function storedFailure(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  return events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
}

/** The Space was paused with the Hub's pause API (what AutoTrain's stop_training does inside) and is paused. */
const pausedThroughTheHub = (spaceId: string) =>
  stack.fakes.hub.pauseCalls.includes(spaceId) && stack.fakes.hub.spaceStage(spaceId) === 'PAUSED';

const datasetTitles = () => stack.fakes.hub.discussionsOf('dataset', stack.fakes.dataset).map((d) => d.title);

test('a run creates one AutoTrain project, trains, and announces success on the dataset', async () => {
  const handle = await start();
  const result: RetrainResult = await handle.result();
  const { pipeline } = await handle.query(progressQuery);

  expect(result.outcome).toBe('succeeded');
  expect(stack.fakes.autotrain.projectsStartingWith(pipeline)).toHaveLength(1);
  const project = stack.fakes.autotrain.projectsStartingWith(pipeline)[0]!;
  expect(project.body).toMatchObject({
    task: 'image-classification',
    base_model: 'microsoft/resnet-50',
    // The run's revision, staged in a dataset of its own (AutoTrain reads no revision), gone once it ended.
    hub_dataset: `acme/autotrain-data-${project.projectName}`,
    column_mapping: { image_column: 'image', target_column: 'label' },
    username: 'acme',
  });
  expect(stack.fakes.hub.repos.has('dataset', `acme/autotrain-data-${project.projectName}`)).toBe(false);
  expect(result.jobId).toBe(project.jobId);
  const posted = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`${pipeline} retrained`));
  expect(posted?.description).toContain(project.jobId);
  // What it cost: the training Space's hardware, priced from the dated table (no API publishes Space prices), billed
  // per started minute; the success announcement carries the row.
  const { cost } = await handle.query(progressQuery);
  expect(cost).toEqual({
    usd: 0.016667,
    seconds: expect.any(Number) as number,
    billedSeconds: 60,
    hardware: 'spaces-a10g-small',
    pricePerHour: 1,
    priceSource: `table:${PRICE_TABLE_DATE}`,
  });
  expect(project.body).toMatchObject({ hardware: cost?.hardware });
  expect(posted?.description).toMatch(
    /\| Cost \| \$0\.0167: 60 s billed \([\d.]+ s run\) of spaces-a10g-small at \$1\/h \(table:\d{4}-\d{2}-\d{2}\) \|/,
  );

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(RetrainStage)).toBe('succeeded');
  expect(description.memo).toMatchObject({ jobId: project.jobId });
});

test('a training that breaks is compensated: the job is stopped and a failure notice is posted', async () => {
  const pipelineName = unique('broken');
  stack.fakes.autotrain.scripts.set(pipelineName, { outcome: 'runtime-error', buildMs: 100, runMs: 300 });
  const handle = await start({ name: pipelineName });
  const progress = await handle.query(progressQuery);

  const failure = await handle.result().catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const project = stack.fakes.autotrain.projectsStartingWith(progress.pipeline)[0]!;
  expect(pausedThroughTheHub(project.jobId)).toBe(true);
  const notice = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`${progress.pipeline} failed`));
  expect(notice?.description).toContain('RUNTIME_ERROR');
  expect((await handle.describe()).typedSearchAttributes.get(RetrainStage)).toBe('compensated');

  // Rethrown after compensation with the original failure as its cause, and its type on top.
  const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause.type).toBe('TrainingFailed');
  expect(cause.message).toMatch(/^training failed: .*RUNTIME_ERROR/);
  expect(cause.cause).toBeInstanceOf(ApplicationFailure);
  expect((cause.cause as ApplicationFailure).type).toBe('TrainingFailed');
  const stored = await storedFailure(handle);
  expect(stored?.applicationFailureInfo).toMatchObject({ type: 'TrainingFailed', nonRetryable: true });
  expect(stored?.cause?.applicationFailureInfo?.type).toBe('TrainingFailed');
});

test('clean-up is always scheduled; the activity removes the training Space only where backend.cleanup asks', async () => {
  const runs = await Promise.all(
    [false, true].map(async (cleanup) => {
      const name = unique(cleanup ? 'tidy' : 'keep');
      stack.fakes.autotrain.scripts.set(name, { outcome: 'runtime-error', buildMs: 50, runMs: 200 });
      const handle = await start({ name, backend: { type: 'autotrain', cleanup } });
      await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
      return { cleanup, handle, space: stack.fakes.autotrain.projectsStartingWith(name)[0]!.jobId };
    }),
  );
  for (const { cleanup, handle, space } of runs) {
    expect((await scheduled(handle)).slice(-3)).toEqual(['stopTraining', 'cleanupProject', 'notify']);
    expect(stack.fakes.hub.hasSpace(space)).toBe(!cleanup);
    expect((await handle.query(progressQuery)).compensationErrors).toBeUndefined();
  }
});

test('a request AutoTrain rejects (422) fails at once, without retries, and is announced', async () => {
  const handle = await start({ backend: { type: 'autotrain', params: { epochs: 'many' } } });
  const progress = await handle.query(progressQuery);
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  expect(stack.fakes.autotrain.projectsStartingWith(progress.pipeline)).toHaveLength(0);
  const notice = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`${progress.pipeline} failed`));
  expect(notice?.description).toMatch(/startProcessing: .*422/);

  // The stop-job compensation was registered before the start answered: it looked for a job, found none.
  expect((await scheduled(handle)).slice(-4)).toEqual(['startProcessing', 'stopTraining', 'cleanupProject', 'notify']);
  expect(stack.fakes.autotrain.stopCalls.filter((id) => id.includes(progress.pipeline))).toEqual([]);

  // The failure the Web UI shows: AutoTrain's 422 by type on top, and below it the activity that met it.
  const stored = await storedFailure(handle);
  expect(stored?.message).toMatch(/^startProcessing: .*422/);
  expect(stored?.applicationFailureInfo).toMatchObject({ type: 'HttpClientError', nonRetryable: true });
  expect(stored?.cause?.activityFailureInfo?.activityType?.name).toBe('startProcessing');
  expect(stored?.cause?.cause?.applicationFailureInfo?.type).toBe('HttpClientError');
  const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
  expect((failure.cause as ApplicationFailure).cause).toBeInstanceOf(ActivityFailure);
});

test('transient 429 (with Retry-After) and 500 answers are retried and create exactly one project', async () => {
  stack.fakes.autotrain.faults.add({
    method: 'POST',
    path: '/api/create_project',
    status: 429,
    retryAfter: 1,
    times: 2,
  });
  stack.fakes.autotrain.faults.add({ method: 'POST', path: '/api/create_project', status: 500, times: 1 });
  const handle = await start();
  const result = await handle.result();
  const progress = await handle.query(progressQuery);

  expect(result.outcome).toBe('succeeded');
  expect(stack.fakes.autotrain.faults.hits('/api/create_project')).toBe(3);
  expect(stack.fakes.autotrain.projectsStartingWith(progress.pipeline)).toHaveLength(1);
});

test('cancelling a running retrain stops its job and announces the cancellation', async () => {
  const pipelineName = unique('cancel');
  stack.fakes.autotrain.scripts.set(pipelineName, { outcome: 'hang', buildMs: 50 });
  const handle = await start({ name: pipelineName });
  await eventually(
    async () => ((await handle.query(progressQuery)).stage === 'training' ? true : undefined),
    30_000,
    'training',
  );

  await handle.cancel();
  const failure = await handle.result().catch((err: unknown) => err);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const project = stack.fakes.autotrain.projectsStartingWith(pipelineName)[0]!;
  expect(pausedThroughTheHub(project.jobId)).toBe(true);
  expect(datasetTitles().some((t) => t.includes(`${pipelineName} retraining on`) && t.includes('cancelled'))).toBe(
    true,
  );
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ stage: 'compensated', outcome: 'cancelled' });
});

test('a training longer than max_training_time fails and its job is stopped', async () => {
  const pipelineName = unique('slow');
  stack.fakes.autotrain.scripts.set(pipelineName, { outcome: 'hang', buildMs: 50 });
  const handle = await start({ name: pipelineName, max_training_time: 3 });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress.error).toContain('max_training_time');
  expect(pausedThroughTheHub(progress.jobId!)).toBe(true);
});

test('a run waits for its job without writing history between checks; the status API shows the last check', async () => {
  const pipelineName = unique('waiting');
  stack.fakes.autotrain.scripts.set(pipelineName, { outcome: 'success', buildMs: 50, runMs: 6000 });
  const handle = await start({ name: pipelineName, poll_interval_seconds: 1 });

  await eventually(
    async () => ((await trainingChecks(stack.client, handle.workflowId))?.checks ?? 0) >= 1 || undefined,
  );
  const historyAtFirstCheck = (await handle.describe()).historyLength;
  await eventually(
    async () => ((await trainingChecks(stack.client, handle.workflowId))?.checks ?? 0) >= 3 || undefined,
  );
  const view = await runView(stack.client, handle.workflowId);
  // Three checks later, not one event more: the checks are the retries of one pending activity.
  expect((await handle.describe()).historyLength).toBe(historyAtFirstCheck);
  expect(view).toMatchObject({ live: true, stage: 'training', backendStatus: 'RUNNING' });
  expect(view.polls).toBeGreaterThanOrEqual(3);
  expect(Date.parse(view.nextCheckAt ?? '')).toBeGreaterThan(Date.now() - 5_000);
  // The Web UI shows the last check as the pending activity's "last failure": its status, no stack trace.
  const lastCheck = (await handle.describe()).raw.pendingActivities?.[0]?.lastFailure;
  expect(lastCheck?.applicationFailureInfo?.type).toBe(STILL_TRAINING);
  expect(lastCheck?.message).toMatch(/^still training: running/);
  expect(lastCheck?.stackTrace).toBe(`${STILL_TRAINING}: ${lastCheck?.message}`);

  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const progress = await handle.query(progressQuery);
  expect(progress.polls).toBeGreaterThan(view.polls!);
  expect(progress.status).toBe('PAUSED');
});
