/**
 * The workflow paths whose histories are checked in under test/replay/histories/ and replayed in CI.
 * Each scenario drives real workflows against the fakes and returns the id of the workflow to export.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { budgetWorkflowId } from '../../src/workflows/budget-definitions';
import {
  approveSignal,
  datasetUpdatedSignal,
  decideUpdate,
  PIPELINE_WORKFLOW,
  pipelineStateQuery,
  pipelineWorkflowId,
  progressQuery,
  rejectSignal,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  trainingEndedSignal,
  type DatasetUpdate,
  type PipelineState,
} from '../../src/workflows/definitions';
import type { PipelineWorkflow } from '../../src/workflows/pipeline';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config';
import { folderRevision } from '../../src/datasets/local-folder';
import { TINY_PNG } from '../fakes/fake-hub';
import { pipelineSpec, TEST_USER } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';
import { DEPLOY_SCENARIOS } from './deploy-scenarios';
import type { ScenarioContext } from './scenario-context';

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

/** A run that asks for approval, once it waits for it (the request posted). */
async function awaitingApproval(ctx: ScenarioContext): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  const handle = await startRetrain(ctx, { approval: 'required' });
  await stageReached(handle, 'awaiting-approval', true);
  return handle;
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
  drive: (
    record: (sha: string) => Promise<void>,
    dataset: string,
    training: (sha: string) => Promise<void>,
  ) => Promise<number>,
): Promise<string> {
  const dataset = `acme/${unique('replay')}`;
  ctx.fakes.hub.addDataset(dataset);
  const spec = pipelineSpec(ctx.fakes, { input_dataset: dataset, ...overrides });
  const recorder = new UpdateRecorder(ctx.client, ctx.taskQueue, 5000);
  // The run of `sha` is training at the backend (a condition, not a guess at how long starting takes).
  const training = (sha: string) =>
    stageReached(ctx.client.workflow.getHandle(retrainWorkflowId(spec.name, sha)), 'training');
  const runs = await drive(
    async (sha) => {
      await recorder.record(spec, sha, delivery());
    },
    dataset,
    training,
  );
  await pipelineIdle(ctx, spec.name, runs);
  const id = pipelineWorkflowId(spec.name);
  await ctx.client.workflow.getHandle(id).terminate('history recorded');
  return id;
}

/** An AutoTrain run on a dataset of its own with these files. */
async function startRetrainOn(ctx: ScenarioContext, files: Record<string, Buffer | string>) {
  const dataset = `${TEST_USER}/${unique('checked')}`;
  ctx.fakes.hub.addDataset(dataset, { files });
  const pipeline = pipelineSpec({ dataset });
  const revision = ctx.fakes.hub.head(dataset);
  return ctx.client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: ctx.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
}

const SCRIPTED_TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

/** A local pipeline on a fresh folder, trained by the scripted trainer (params say what it reports). */
async function startLocalRetrain(
  ctx: ScenarioContext,
  params: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
) {
  const folder = mkdtempSync(join(tmpdir(), 'replay-local-'));
  writeFileSync(join(folder, 'train.csv'), `text,label\n${unique('row')},pos\n`);
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('local'),
        target_namespace: 'local',
        input_dataset: `file:${folder}`,
        input_model: 'tfidf',
        task: 'text-classification',
        backend: { type: 'local', command: SCRIPTED_TRAINER, params: { seconds: 0.3, ...params } },
        promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
        poll_interval_seconds: 1,
        ...overrides,
      },
    ],
  });
  const revision = await folderRevision(folder);
  return ctx.client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline!.name, revision),
    taskQueue: ctx.taskQueue,
    args: [{ pipeline: pipeline!, revision, attempt: 1 }],
  });
}

export const SCENARIOS: Record<string, Scenario> = {
  'retrain-local-promoted-with-webhook': async (ctx) => {
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
      const handle = await startLocalRetrain(ctx, { accuracy: 0.9 }, { notify: { webhook_url: url } });
      await handle.result();
      return handle.workflowId;
    } finally {
      receiver.close();
    }
  },
  'retrain-local-published': async (ctx) => {
    const handle = await startLocalRetrain(
      ctx,
      { accuracy: 0.9 },
      { publish: { repo: `${TEST_USER}/${unique('pub')}` } },
    );
    await handle.result();
    return handle.workflowId;
  },
  'retrain-local-failed': async (ctx) => {
    const handle = await startLocalRetrain(ctx, { exit: 2 });
    await settle(handle.result());
    return handle.workflowId;
  },
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
  'retrain-start-failed': async (ctx) => {
    // AutoTrain refuses the request (422): the stop-job compensation, registered before the start answered,
    // looks for a job and finds none.
    const handle = await startRetrain(ctx, { task: 'not-a-task' });
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
  'retrain-told-training-ended': async (ctx) => {
    // What the receiver does when AutoTrain's outcome discussion arrives: the run checks at once.
    const name = unique('told');
    ctx.fakes.autotrain.scripts.set(name, { outcome: 'hang', buildMs: 50 });
    const handle = await startRetrain(ctx, { name, poll_interval_seconds: 600 });
    await stageReached(handle, 'training');
    const { jobId } = await handle.query(progressQuery);
    await eventually(async () => (ctx.fakes.hub.spaceStage(jobId!) === 'RUNNING' ? true : undefined));
    ctx.fakes.autotrain.end(jobId!);
    await handle.signal(trainingEndedSignal);
    await handle.result();
    return handle.workflowId;
  },
  'retrain-approved': async (ctx) => {
    const handle = await awaitingApproval(ctx);
    await handle.signal(approveSignal, { by: 'alice' });
    await handle.result();
    return handle.workflowId;
  },
  'retrain-rejected': async (ctx) => {
    const handle = await awaitingApproval(ctx);
    await handle.signal(rejectSignal, { by: 'bob' });
    await settle(handle.result());
    return handle.workflowId;
  },
  'retrain-approved-by-update': async (ctx) => {
    const handle = await awaitingApproval(ctx);
    await handle.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'alice', comment: 'looks right' }] });
    // A second decision by the original signal: logged and kept in the progress, not acted on.
    await handle.signal(rejectSignal, { by: 'bob' });
    await handle.result();
    return handle.workflowId;
  },
  'retrain-rejected-by-update': async (ctx) => {
    const handle = await awaitingApproval(ctx);
    await handle.executeUpdate(decideUpdate, { args: [{ approved: false, by: 'bob' }] });
    await settle(handle.result());
    return handle.workflowId;
  },
  'retrain-approval-timed-out': async (ctx) => {
    const handle = await startRetrain(ctx, { approval: 'required', approval_timeout: '2s' });
    await settle(handle.result());
    return handle.workflowId;
  },
  'pipeline-queue': (ctx) =>
    pipelineScenario(ctx, {}, async (record, dataset, training) => {
      ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 2000 };
      const a = ctx.fakes.hub.pushCommit(dataset);
      await record(a);
      await record(a);
      await training(a);
      await record(ctx.fakes.hub.pushCommit(dataset));
      await record(ctx.fakes.hub.pushCommit(dataset));
      return 2;
    }),
  'pipeline-cancel-policy': (ctx) =>
    pipelineScenario(ctx, { on_new_revision: 'cancel' }, async (record, dataset, training) => {
      ctx.fakes.autotrain.defaultScript = { outcome: 'hang', buildMs: 50 };
      const first = ctx.fakes.hub.pushCommit(dataset);
      await record(first);
      await training(first);
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
  'pipeline-rolled-on-size': async (ctx) => {
    // A burst of updates inside the debounce window, with a small history-size bound: the run continues as
    // new from inside the debounce (patch 'roll-on-history-size'), and the next run trains the last revision.
    const dataset = `acme/${unique('replay')}`;
    ctx.fakes.hub.addDataset(dataset);
    const spec = pipelineSpec(ctx.fakes, { input_dataset: dataset, debounce_seconds: 2 });
    ctx.fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
    const shas = Array.from({ length: 30 }, () => ctx.fakes.hub.pushCommit(dataset));
    const handle = await ctx.client.workflow.signalWithStart<typeof PipelineWorkflow, [DatasetUpdate]>(
      PIPELINE_WORKFLOW,
      {
        workflowId: pipelineWorkflowId(spec.name),
        taskQueue: ctx.taskQueue,
        args: [{ name: spec.name, rollAfterBytes: 12 * 1024 }],
        signal: datasetUpdatedSignal,
        signalArgs: [{ pipeline: spec, revision: shas[0], delivery: delivery() }],
      },
    );
    for (const sha of shas.slice(1))
      await handle.signal(datasetUpdatedSignal, { pipeline: spec, revision: sha, delivery: delivery() });
    await pipelineIdle(ctx, spec.name, 1);
    return `${handle.workflowId}#${handle.signaledRunId}`;
  },
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
  // Issue 26 (patch 'cost-and-budget'): an AutoTrain run (spaces-a10g-small, $1/h from the dated table) estimated
  // at max_training_time (24 h, $24) against monthly_usd 1: held for approval, approved, reserved over budget,
  // held to per_run_usd while it trains (a timer, cancelled when it ends), its cost settled in the ledger.
  'v5-retrain-over-budget-approved': async (ctx) => {
    const handle = await startRetrain(ctx, { budget: { monthly_usd: 1, per_run_usd: 100 } });
    await stageReached(handle, 'awaiting-approval', true);
    await handle.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'finance' }] });
    await handle.result();
    return handle.workflowId;
  },
  // A training that would pass per_run_usd ($0.002 at $1/h: 7.2 s): the timer wins, the job is stopped, compensated.
  'v5-retrain-stopped-at-per-run': async (ctx) => {
    const name = unique('capped');
    ctx.fakes.autotrain.scripts.set(name, { outcome: 'hang', buildMs: 50 });
    const handle = await startRetrain(ctx, { name, budget: { per_run_usd: 0.002 } });
    await settle(handle.result());
    return handle.workflowId;
  },
  // Patch 'cost-before-failure-notice': the same stop, its cost settled before the failure notice.
  'retrain-stopped-at-per-run-settled-first': async (ctx) => {
    const name = unique('capped');
    ctx.fakes.autotrain.scripts.set(name, { outcome: 'hang', buildMs: 50 });
    const handle = await startRetrain(ctx, { name, budget: { per_run_usd: 0.002 } });
    await settle(handle.result());
    return handle.workflowId;
  },
  // Patch 'per-run-whole-units': a run held to per_run_usd waits within the whole billing units it pays for (its timer
  // is cancelled when the training ends first).
  'retrain-per-run-whole-units': async (ctx) => {
    const handle = await startRetrain(ctx, { budget: { monthly_usd: 100, per_run_usd: 100 } });
    await handle.result();
    return handle.workflowId;
  },
  // The spend ledger of the task queue, after a run within budget reserved and settled through it.
  'v5-budget-ledger': async (ctx) => {
    const handle = await startRetrain(ctx, { budget: { monthly_usd: 100 } });
    await handle.result();
    return budgetWorkflowId(ctx.taskQueue);
  },
  // Patch 'autotrain-same-rows': an AutoTrain run with a promotion rule runs its evaluation step before the gate.
  'retrain-autotrain-same-rows': async (ctx) => {
    const handle = await startRetrain(ctx, {
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
    });
    await handle.result();
    return handle.workflowId;
  },
  ...DEPLOY_SCENARIOS,
  // Issue 24 (patch 'data-checks'): the stage checking-data before createProject.
  'retrain-data-checks-warned': async (ctx) => {
    // The stack's image dataset: two rows a class (small_classes) and four identical images (duplicates): warnings.
    const handle = await startRetrain(ctx);
    await handle.result();
    return handle.workflowId;
  },
  'retrain-data-checks-failed': async (ctx) => {
    const handle = await startRetrainOn(ctx, {
      'train/cat/0.png': TINY_PNG,
      'train/dog/0.png': TINY_PNG,
      'validation/bird/0.png': TINY_PNG,
    });
    await settle(handle.result());
    return handle.workflowId;
  },
  'retrain-data-checks-approved': async (ctx) => {
    const handle = await startRetrain(ctx, { data_checks: { duplicates: 'approve' } });
    await stageReached(handle, 'awaiting-approval', true);
    await handle.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'alice' }] });
    await handle.result();
    return handle.workflowId;
  },
};
