/**
 * PipelineWorkflow on a real Temporal dev server: deduplication, one run at a time, queue and cancel
 * policies, debounce, head resolution, continue-as-new, and a worker killed mid-run.
 */
import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../../src/config/config-schema';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import {
  datasetUpdatedSignal,
  PIPELINE_WORKFLOW,
  pipelineStateQuery,
  pipelineWorkflowId,
  type DatasetUpdate,
  type Delivery,
  type PipelineState,
  SUPERSEDED_LISTED,
} from '../../src/workflows/definitions';
import type { PipelineWorkflow } from '../../src/workflows/pipeline';
import { pipelineSpec, startFakes, TEST_TOKEN, type FakeStack } from '../helpers/stack';
import { eventually, trainingChecks, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';
import { spawnWorker } from '../helpers/worker-process';

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let recorder: UpdateRecorder;

beforeAll(async () => {
  fakes = await startFakes();
  client = await testClient();
  worker = await startWorker(unique('pipeline'), fakes.activityDeps);
  recorder = new UpdateRecorder(client, worker.taskQueue, 5000);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const delivery = (): Delivery => ({ source: 'webhook', receivedAt: new Date().toISOString() });

/** A pipeline on a dataset of its own, so tests never see each other's commits. */
function freshPipeline(overrides: Record<string, unknown> = {}): PipelineSpec {
  const dataset = `acme/${unique('ds')}`;
  fakes.hub.addDataset(dataset);
  return pipelineSpec(fakes, { input_dataset: dataset, ...overrides });
}

const state = (spec: PipelineSpec): Promise<PipelineState> =>
  client.workflow.getHandle(pipelineWorkflowId(spec.name)).query(pipelineStateQuery);

async function retrainRuns(spec: PipelineSpec): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'RetrainWorkflow' AND RetrainPipeline = '${spec.name}'`,
  })) {
    ids.push(wf.workflowId);
  }
  return ids.sort();
}

const untilIdle = (spec: PipelineSpec, runs: number) =>
  eventually(
    async () => {
      const s = await state(spec);
      return s.active === undefined && s.waiting === undefined && s.recent.length >= runs ? s : undefined;
    },
    60_000,
    `${runs} finished run(s)`,
  );

afterEach(() => {
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 200, runMs: 1500 };
});

test('the same revision delivered 20 times starts one RetrainWorkflow and one AutoTrain project', async () => {
  const spec = freshPipeline();
  const sha = fakes.hub.pushCommit(spec.input_dataset);
  await Promise.all(Array.from({ length: 20 }, () => recorder.record(spec, sha, delivery())));

  const s = await untilIdle(spec, 1);
  expect(s.lastResult).toMatchObject({ revision: sha, outcome: 'succeeded' });
  expect(s.counters).toMatchObject({ updates: 20, runsStarted: 1 });
  expect(fakes.autotrain.projectsStartingWith(spec.autotrain_project_prefix)).toHaveLength(1);
  expect(await eventually(async () => ((await retrainRuns(spec)).length === 1 ? true : undefined))).toBe(true);

  // A replay of the delivery after the run ended starts nothing either.
  await recorder.record(spec, sha, delivery());
  await eventually(async () => ((await state(spec)).counters.updates === 21 ? true : undefined));
  expect((await state(spec)).counters.runsStarted).toBe(1);
});

test('queue policy: revisions that arrive during a run wait, and only the newest runs next', async () => {
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 3000 };
  const spec = freshPipeline();
  const a = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, a, delivery());
  await eventually(async () => ((await state(spec)).active?.revision === a ? true : undefined));

  const b = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, b, delivery());
  const c = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, c, delivery());

  const s = await untilIdle(spec, 2);
  expect(s.recent.map((r) => [r.revision, r.outcome])).toEqual([
    [a, 'succeeded'],
    [c, 'succeeded'],
  ]);
  expect(s.superseded).toEqual([expect.objectContaining({ revision: b, by: c, reason: 'newer-update' })]);
  expect(fakes.autotrain.projectsStartingWith(spec.autotrain_project_prefix)).toHaveLength(2);
});

test('cancel policy: a newer revision cancels the running retrain (its job is stopped) and trains the newest', async () => {
  fakes.autotrain.defaultScript = { outcome: 'hang', buildMs: 50 };
  const spec = freshPipeline({ on_new_revision: 'cancel' });
  const a = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, a, delivery());
  await eventually(() =>
    fakes.autotrain.projectsStartingWith(spec.autotrain_project_prefix).length === 1 ? true : undefined,
  );
  const first = fakes.autotrain.projectsStartingWith(spec.autotrain_project_prefix)[0]!;

  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 300 };
  const b = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, b, delivery());

  const s = await untilIdle(spec, 2);
  expect(fakes.hub.pauseCalls).toContain(first.jobId); // stopped by pausing its Space through the Hub
  expect(s.recent.map((r) => [r.revision, r.outcome])).toEqual([
    [a, 'cancelled'],
    [b, 'succeeded'],
  ]);
  expect(s.superseded).toEqual([expect.objectContaining({ revision: a, by: b, reason: 'cancelled-running' })]);
});

test('debounce: a burst of 10 revisions inside the window makes one run, on the last revision', async () => {
  const spec = freshPipeline({ debounce_seconds: 2 });
  const shas: string[] = [];
  for (let i = 0; i < 10; i++) {
    shas.push(fakes.hub.pushCommit(spec.input_dataset));
    await recorder.record(spec, shas[i], delivery());
  }
  const s = await untilIdle(spec, 1);
  expect(s.recent.map((r) => r.revision)).toEqual([shas[9]]);
  expect(s.superseded.map((x) => x.revision)).toEqual(shas.slice(0, 9));
  expect(await eventually(async () => ((await retrainRuns(spec)).length === 1 ? true : undefined))).toBe(true);
});

test('an old delivery is resolved to the head of main: an already-trained head starts nothing', async () => {
  const spec = freshPipeline();
  const old = fakes.hub.pushCommit(spec.input_dataset);
  const head = fakes.hub.pushCommit(spec.input_dataset);
  await recorder.record(spec, head, delivery());
  await untilIdle(spec, 1);

  await recorder.record(spec, old, delivery()); // e.g. the Hub's Replay button on an old delivery
  const s = await eventually(async () => {
    const current = await state(spec);
    return current.counters.updates === 2 && current.waiting === undefined ? current : undefined;
  });
  expect(s.counters.runsStarted).toBe(1);
  expect(s.trained).toEqual([head]);
  expect(s.superseded).toEqual([expect.objectContaining({ revision: old, by: head, reason: 'head-moved' })]);
});

test('continue-as-new carries the state, and a run in flight across it still reports back', async () => {
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 4000 };
  const spec = freshPipeline();
  const a = fakes.hub.pushCommit(spec.input_dataset);
  await client.workflow.signalWithStart<typeof PipelineWorkflow, [DatasetUpdate]>(PIPELINE_WORKFLOW, {
    workflowId: pipelineWorkflowId(spec.name),
    taskQueue: worker.taskQueue,
    args: [{ name: spec.name, rollAfterEvents: 30 }],
    signal: datasetUpdatedSignal,
    signalArgs: [{ pipeline: spec, revision: a, delivery: delivery() }],
  });
  // Duplicates grow the history past the threshold while the run is active.
  for (let i = 0; i < 15; i++) await recorder.record(spec, a, delivery());

  const s = await untilIdle(spec, 1);
  expect(s.lastResult).toMatchObject({ revision: a, outcome: 'succeeded' });
  const runs: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${pipelineWorkflowId(spec.name)}'` }))
    runs.push(wf.runId);
  expect(runs.length).toBeGreaterThan(1);
});

/** Every run of a pipeline's chain (continue-as-new), with its status. */
async function chain(spec: PipelineSpec): Promise<string[]> {
  const statuses: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${pipelineWorkflowId(spec.name)}'` }))
    statuses.push(wf.status.name);
  return statuses;
}

test('continue-as-new on history size, even while updates keep arriving inside the debounce window', async () => {
  // A small size bound (16 KiB: each update is a signal of about 1 KiB) stands in for the default 2 MiB.
  const spec = freshPipeline({ debounce_seconds: 2 });
  const shas = Array.from({ length: 40 }, () => fakes.hub.pushCommit(spec.input_dataset));
  await client.workflow.signalWithStart<typeof PipelineWorkflow, [DatasetUpdate]>(PIPELINE_WORKFLOW, {
    workflowId: pipelineWorkflowId(spec.name),
    taskQueue: worker.taskQueue,
    args: [{ name: spec.name, rollAfterBytes: 16 * 1024 }],
    signal: datasetUpdatedSignal,
    signalArgs: [{ pipeline: spec, revision: shas[0], delivery: delivery() }],
  });
  for (const sha of shas.slice(1)) await recorder.record(spec, sha, delivery());

  const s = await untilIdle(spec, 1);
  // It rolled while the burst held it in the debounce window, and lost nothing: one run, on the last revision.
  const runs = await eventually(async () => {
    const statuses = await chain(spec);
    return statuses.length > 1 ? statuses : undefined;
  });
  expect(runs.filter((r) => r !== 'CONTINUED_AS_NEW' && r !== 'RUNNING')).toEqual([]);
  expect(s.counters).toMatchObject({ updates: 40, runsStarted: 1 });
  expect(s.recent.map((r) => r.revision)).toEqual([shas[39]]);
  expect(s.superseded.map((x) => x.revision)).toEqual(shas.slice(0, 39));
});

test('superseded revisions past the listed hundred are counted: the total says how many are not listed', async () => {
  const spec = freshPipeline({ debounce_seconds: 2 });
  const shas = Array.from({ length: 130 }, () => fakes.hub.pushCommit(spec.input_dataset));
  for (const sha of shas) await recorder.record(spec, sha, delivery());

  const s = await untilIdle(spec, 1);
  expect(s.recent.map((r) => r.revision)).toEqual([shas[129]]);
  expect(s.superseded).toHaveLength(SUPERSEDED_LISTED);
  expect(s.superseded.map((x) => x.revision)).toEqual(shas.slice(29, 129)); // the newest hundred
  expect(s.supersededTotal).toBe(129);
});

test('a worker killed during pollStatus: a new worker completes the run, with one project', async () => {
  const taskQueue = unique('crash');
  const env = { HF_ENDPOINT: fakes.hub.url, HF_TOKEN: TEST_TOKEN, AUTOTRAIN_API_URL: fakes.autotrain.url };
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 8000 };
  const spec = freshPipeline();
  const sha = fakes.hub.pushCommit(spec.input_dataset);
  const first = await spawnWorker(taskQueue, env);
  try {
    await new UpdateRecorder(client, taskQueue, 5000).record(spec, sha, delivery());
    const runId = `retrain:${spec.name}:${sha}`;
    await eventually(
      async () => ((await trainingChecks(client, runId))?.checks ?? 0) >= 1 || undefined,
      60_000,
      'the first status check',
    );
    await first.kill9();

    const second = await spawnWorker(taskQueue, env);
    try {
      const result: unknown = await client.workflow.getHandle(runId).result();
      expect(result).toMatchObject({ outcome: 'succeeded', revision: sha });
      expect(fakes.autotrain.projectsStartingWith(spec.autotrain_project_prefix)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
