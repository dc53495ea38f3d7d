/**
 * The workflow paths whose histories are checked in under test/replay/histories/ and replayed in CI.
 * Each scenario drives real workflows against the fakes and returns the id of the workflow to export.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { UpdateRecorder } from '../../src/server/record-update';
import {
  approveSignal,
  datasetUpdatedSignal,
  PIPELINE_WORKFLOW,
  pipelineStateQuery,
  pipelineWorkflowId,
  progressQuery,
  rejectSignal,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type DatasetUpdate,
  type PipelineState,
} from '../../src/workflows/definitions';
import type { PipelineWorkflow } from '../../src/workflows/pipeline';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { pipelineSpec, type FakeStack } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

export interface ScenarioContext {
  client: Client;
  fakes: FakeStack;
  taskQueue: string;
}

type Scenario = (ctx: ScenarioContext) => Promise<string>;

const delivery = () => ({ source: 'webhook' as const, receivedAt: new Date().toISOString() });

async function startRetrain(
  ctx: ScenarioContext,
  overrides: Record<string, unknown> = {},
): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  const pipeline = pipelineSpec(ctx.fakes, overrides);
  const revision = ctx.fakes.hub.head(ctx.fakes.dataset);
  return ctx.client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: ctx.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    () => undefined,
  );

async function stageReached(handle: WorkflowHandle, stage: string, needsDiscussion = false): Promise<void> {
  await eventually(
    async () => {
      const progress = await handle.query(progressQuery);
      return progress.stage === stage && (!needsDiscussion || progress.links.discussion) ? true : undefined;
    },
    60_000,
    stage,
  );
}

async function pipelineIdle(ctx: ScenarioContext, name: string, runs: number): Promise<PipelineState> {
  return eventually(
    async () => {
      const s = await ctx.client.workflow.getHandle(pipelineWorkflowId(name)).query(pipelineStateQuery);
      return !s.active && !s.waiting && s.recent.length >= runs ? s : undefined;
    },
    90_000,
    `${runs} runs`,
  );
}

async function pipelineScenario(
  ctx: ScenarioContext,
  overrides: Record<string, unknown>,
  drive: (record: (sha: string) => Promise<void>, dataset: string) => Promise<number>,
): Promise<string> {
  const dataset = `acme/${unique('replay')}`;
  ctx.fakes.hub.addDataset(dataset);
  const spec = pipelineSpec(ctx.fakes, { input_dataset: dataset, ...overrides });
  const recorder = new UpdateRecorder(ctx.client, ctx.taskQueue, 5000);
  const runs = await drive(async (sha) => {
    await recorder.record(spec, sha, delivery());
  }, dataset);
  await pipelineIdle(ctx, spec.name, runs);
  const id = pipelineWorkflowId(spec.name);
  await ctx.client.workflow.getHandle(id).terminate('history recorded');
  return id;
}

export const SCENARIOS: Record<string, Scenario> = {
  'retrain-succeeded': async (ctx) => {
    const handle = await startRetrain(ctx);
    await handle.result();
    return handle.workflowId;
  },
  'retrain-failed-compensated': async (ctx) => {
    const name = unique('broken');
    ctx.fakes.autotrain.scripts.set(name, { outcome: 'runtime-error', buildMs: 50, runMs: 200 });
    const handle = await startRetrain(ctx, { name });
    await settle(handle.result());
    return handle.workflowId;
  },
  'retrain-cancelled': async (ctx) => {
    const name = unique('cancel');
    ctx.fakes.autotrain.scripts.set(name, { outcome: 'hang', buildMs: 50 });
    const handle = await startRetrain(ctx, { name });
    await stageReached(handle, 'training');
    await handle.cancel();
    await settle(handle.result());
    return handle.workflowId;
  },
  'retrain-approved': async (ctx) => {
    const handle = await startRetrain(ctx, { approval: 'required' });
    await stageReached(handle, 'awaiting-approval', true);
    await handle.signal(approveSignal, { by: 'alice' });
    await handle.result();
    return handle.workflowId;
  },
  'retrain-rejected': async (ctx) => {
    const handle = await startRetrain(ctx, { approval: 'required' });
    await stageReached(handle, 'awaiting-approval', true);
    await handle.signal(rejectSignal, { by: 'bob' });
    await settle(handle.result());
    return handle.workflowId;
  },
  'pipeline-queue': (ctx) =>
    pipelineScenario(ctx, {}, async (record, dataset) => {
      ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 2000 };
      const a = ctx.fakes.hub.pushCommit(dataset);
      await record(a);
      await record(a);
      await new Promise((r) => setTimeout(r, 500));
      await record(ctx.fakes.hub.pushCommit(dataset));
      await record(ctx.fakes.hub.pushCommit(dataset));
      return 2;
    }),
  'pipeline-cancel-policy': (ctx) =>
    pipelineScenario(ctx, { on_new_revision: 'cancel' }, async (record, dataset) => {
      ctx.fakes.autotrain.defaultScript = { outcome: 'hang', buildMs: 50 };
      await record(ctx.fakes.hub.pushCommit(dataset));
      await new Promise((r) => setTimeout(r, 1000));
      ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
      await record(ctx.fakes.hub.pushCommit(dataset));
      return 2;
    }),
  'pipeline-debounce': (ctx) =>
    pipelineScenario(ctx, { debounce_seconds: 1 }, async (record, dataset) => {
      ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
      for (let i = 0; i < 5; i++) await record(ctx.fakes.hub.pushCommit(dataset));
      return 1;
    }),
  'pipeline-continued-as-new': async (ctx) => {
    const dataset = `acme/${unique('replay')}`;
    ctx.fakes.hub.addDataset(dataset);
    const spec = pipelineSpec(ctx.fakes, { input_dataset: dataset });
    const sha = ctx.fakes.hub.pushCommit(dataset);
    ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
    const update: DatasetUpdate = { pipeline: spec, revision: sha, delivery: delivery() };
    const handle = await ctx.client.workflow.signalWithStart<typeof PipelineWorkflow, [DatasetUpdate]>(
      PIPELINE_WORKFLOW,
      {
        workflowId: pipelineWorkflowId(spec.name),
        taskQueue: ctx.taskQueue,
        args: [{ name: spec.name, rollAfterEvents: 25 }],
        signal: datasetUpdatedSignal,
        signalArgs: [update],
      },
    );
    for (let i = 0; i < 10; i++) await handle.signal(datasetUpdatedSignal, update);
    await pipelineIdle(ctx, spec.name, 1);
    // Export the first run of the chain: it is the one that continued as new.
    return `${handle.workflowId}#${handle.signaledRunId}`;
  },
};
