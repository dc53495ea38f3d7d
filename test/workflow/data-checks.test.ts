/**
 * The data checks on a real Temporal dev server (stage `checking-data`, before anything is created): a local
 * pipeline training a Hub dataset with a scripted trainer, and an AutoTrain pipeline on its staged revision, both
 * against the fake Hub and fake AutoTrain. What is asserted: the run's view, the announcements, the report beside
 * the model, and that nothing was created or started when the checks stop a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityDeps } from '../../src/activities';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import type { DataReport } from '../../src/datasets/data-report';
import {
  decideUpdate,
  progressQuery,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type RetrainProgress,
  type RetrainResult,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import {
  eventually,
  runView,
  scratchDirs,
  startWorker,
  testClient,
  unique,
  type RunningWorker,
} from '../helpers/temporal';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];
const LABELS = ['billing', 'delivery', 'returns', 'account'];

let hub: FakeHub;
let autotrain: FakeAutotrain;
let client: Client;
let worker: RunningWorker;
let deps: ActivityDeps;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  autotrain = await new FakeAutotrain(hub).start();
  client = await testClient();
  deps = {
    hubEndpoint: hub.url,
    hfToken: TEST_TOKEN,
    autotrainApiUrl: autotrain.url,
    namespace: 'default',
    defaultTrainerCommand: TRAINER,
    ...scratchDirs(),
  };
  worker = await startWorker(unique('data-checks'), deps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await autotrain?.stop();
  await hub?.stop();
});

/** 80 support tickets, 20 per label, each text its own. */
const trainRows = LABELS.flatMap((label, l) =>
  Array.from({ length: 20 }, (_, i) => [`ticket ${l * 20 + i} about ${label}, case number ${i * 7 + l}`, label]),
);
const csv = (rows: string[][]): string => `text,label\n${rows.map(([t, l]) => `"${t}",${l}`).join('\n')}\n`;

/** A Hub dataset whose validation split holds `copied` rows of train (case and spaces changed) and 10 of its own. */
function addDataset(options: { copied?: number; extraLabel?: string } = {}): string {
  const id = `${TEST_USER}/${unique('tickets')}`;
  const copied = trainRows.slice(0, options.copied ?? 0).map(([t, l]) => [`  ${t!.toUpperCase()} `, l!]);
  const own = Array.from({ length: 10 }, (_, i) => [`a new ticket ${i}`, LABELS[i % LABELS.length]!]);
  if (options.extraLabel) own.push(['a ticket about a refund', options.extraLabel]);
  hub.addDataset(id, { files: { 'train.csv': csv(trainRows), 'validation.csv': csv([...copied, ...own]) } });
  return id;
}

function pipeline(dataset: string, overrides: Record<string, unknown> = {}): PipelineSpec {
  const name = unique('dc');
  const [spec] = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: TEST_USER,
        input_dataset: dataset,
        input_model: 'distilbert-base-uncased',
        task: 'text-classification',
        backend: { type: 'local', params: { seconds: 0.3, ledger: join(deps.stateDir, `${name}.ledger`) } },
        poll_interval_seconds: 1,
        ...overrides,
      },
    ],
  });
  return spec!;
}

const ledger = (p: PipelineSpec): string => join(deps.stateDir, `${p.name}.ledger`);
const trainerStarts = (p: PipelineSpec): number =>
  existsSync(ledger(p)) ? readFileSync(ledger(p), 'utf8').trim().split('\n').length : 0;

function start(p: PipelineSpec): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  const revision = hub.head(p.input_dataset);
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(p.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline: p, revision, attempt: 1 }],
  });
}

async function scheduled(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** Waits for a run held for its leakage finding (30 copied rows): the request names the check and carries its count. */
async function awaitingLeakageApproval(handle: WorkflowHandle<typeof RetrainWorkflow>): Promise<RetrainProgress> {
  const waiting = await eventually(async () => {
    const progress = await handle.query(progressQuery);
    return progress.stage === 'awaiting-approval' ? progress : undefined;
  });
  expect(waiting.approval?.checks).toEqual(['leakage']);
  expect(waiting.dataChecks?.find((c) => c.check === 'leakage')).toMatchObject({ status: 'warn', count: 30 });
  return waiting;
}

const discussion = (dataset: string, title: string) =>
  hub.discussionsOf('dataset', dataset).find((d) => d.title.includes(title));

test('30 validation rows copied from train: the run trains, with a leakage warning of 30 in its view, its announcement and its report', async () => {
  const dataset = addDataset({ copied: 30 });
  const p = pipeline(dataset);
  const handle = await start(p);
  const result: RetrainResult = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(trainerStarts(p)).toBe(1);

  const view = await runView(client, handle.workflowId);
  const leakage = view.dataChecks?.find((c) => c.check === 'leakage');
  expect(leakage).toMatchObject({ status: 'warn', count: 30, policy: 'warn' });
  expect(leakage?.examples).toHaveLength(10);
  expect(leakage?.examples[0]).toMatch(/^validation\.csv:2: "TICKET 0 ABOUT BILLING/);
  expect(view.dataChecks?.find((c) => c.check === 'unseen_labels')).toMatchObject({ status: 'pass', count: 0 });
  expect(Object.keys(view.timings)[0]).toBe('checking-data');

  const announced = discussion(dataset, `${p.name} retrained`);
  expect(announced?.description).toContain('**Data checks**');
  expect(announced?.description).toMatch(/\| `leakage` \| ⚠️ warn \| 30 \| validation\.csv:2/);

  // Beside the model, which the trainer wrote into the same folder after the checks.
  const folder = join(deps.modelsDir, p.name, result.revision);
  const report = JSON.parse(readFileSync(join(folder, 'data-report.json'), 'utf8')) as DataReport;
  expect(report.checks.find((c) => c.check === 'leakage')?.count).toBe(30);
  expect(report.labels).toEqual({ billing: 20, delivery: 20, returns: 20, account: 20 });
  expect(existsSync(join(folder, 'model.json'))).toBe(true);
});

test('a label present only in validation fails the run at checking-data, before any trainer process starts', async () => {
  const dataset = addDataset({ extraLabel: 'refund' });
  const p = pipeline(dataset);
  const handle = await start(p);
  const failure = await handle.result().catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause?.message).toMatch(/the data checks failed: unseen_labels: 1 \(refund/);

  expect(trainerStarts(p)).toBe(0);
  expect(await scheduled(handle)).toEqual(['checkData', 'notify']);
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ outcome: 'failed', stage: 'compensated' });
  expect(progress.timings).not.toHaveProperty('created');
  expect(progress.dataChecks?.find((c) => c.check === 'unseen_labels')).toMatchObject({
    status: 'fail',
    count: 1,
    examples: ['refund (validation.csv:12)'],
  });
  const notice = discussion(dataset, `${p.name} failed`);
  expect(notice?.description).toMatch(
    /\| `unseen_labels` \| ❌ fail \| 1 \| refund \(validation\.csv:12\) \| add train rows/,
  );
});

test('leakage set to "approve": the run waits with the report in its request, then trains once approved', async () => {
  const dataset = addDataset({ copied: 30 });
  const p = pipeline(dataset, { data_checks: { leakage: 'approve' } });
  const handle = await start(p);
  const waiting = await awaitingLeakageApproval(handle);
  expect(waiting.timings).not.toHaveProperty('created');
  expect(trainerStarts(p)).toBe(0);
  const request = discussion(dataset, `approve retraining ${p.name}`);
  expect(request?.description).toMatch(/\| `leakage` \| ⏸️ approve \| 30 \|/);

  await handle.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'reviewer' }] });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(trainerStarts(p)).toBe(1);
  // One decision for the run: the data checks' request was it.
  const progress = await handle.query(progressQuery);
  expect(progress.approval).toMatchObject({ decision: 'approved', by: 'reviewer', checks: ['leakage'] });
});

test('a run cancelled while its revision is being fetched for the checks ends cancelled: nothing created or started', async () => {
  const dataset = addDataset();
  const p = pipeline(dataset);
  // The Hub holds the revision's files until the run has ended: only the cancellation can end the download.
  let release: () => void = () => undefined;
  const held = `/datasets/${dataset}/resolve/`;
  hub.faults.add({ method: 'GET', path: held, hold: new Promise<void>((r) => (release = r)), times: 100 });
  try {
    const handle = await start(p);
    await eventually(() => hub.faults.seen.find((r) => r.path.startsWith(held)), 60_000, 'a held download');
    await handle.cancel();
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    expect(trainerStarts(p)).toBe(0);
    const ran = await scheduled(handle);
    expect(ran[0]).toBe('checkData');
    expect(ran).not.toContain('createProject');
    expect(ran).not.toContain('startProcessing');
    const progress = await handle.query(progressQuery);
    expect(progress).toMatchObject({ outcome: 'cancelled', stage: 'compensated' });
    expect(progress.timings).not.toHaveProperty('created');
    expect(progress.dataChecks).toBeUndefined();
    expect(hub.faults.seen.filter((r) => r.path.startsWith(held)).every((r) => r.passedOn === undefined)).toBe(true);
  } finally {
    release();
  }
});

test('the next revision is compared with the one the model in service was trained on: vanished labels and changes', async () => {
  const dataset = addDataset();
  const p = pipeline(dataset);
  const first = hub.head(dataset);
  expect((await (await start(p)).result()).promotion?.promoted).toBe(true);

  // The next commit drops every "account" row and relabels two "billing" rows as "delivery".
  const next = trainRows
    .filter(([, label]) => label !== 'account')
    .map(([text, label], i) => [text!, i < 2 ? 'delivery' : label!]);
  hub.commitFiles('dataset', dataset, { 'train.csv': csv(next), 'validation.csv': csv([['a new ticket', 'billing']]) });
  const handle = await start(p);
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  const checks = (await runView(client, handle.workflowId)).dataChecks ?? [];
  expect(checks.find((c) => c.check === 'vanished_labels')).toMatchObject({
    status: 'warn',
    count: 1,
    examples: ['account'],
  });
  const changes = checks.find((c) => c.check === 'changes');
  expect(changes).toMatchObject({ status: 'warn', count: 2, examples: ['billing -> delivery: 2 rows'] });
  expect(changes?.detail).toMatch(/\(the model in service\): 1 rows added, 30 removed, 2 relabelled/);
  expect(changes?.detail).toContain('train labels then: account: 20, billing: 20, delivery: 20, returns: 20');
  // The same numbers, structured, in the report beside the model.
  const report = JSON.parse(
    readFileSync(join(deps.modelsDir, p.name, result.revision, 'data-report.json'), 'utf8'),
  ) as DataReport;
  expect(report.previous).toEqual({
    revision: first,
    rows: 90,
    labels: { account: 20, billing: 20, delivery: 20, returns: 20 },
    added: 1,
    removed: 30,
    relabelled: 2,
  });
});

describe('AutoTrain, on the revision it stages', () => {
  const autotrainPipeline = (dataset: string) =>
    pipeline(dataset, {
      backend: { type: 'autotrain', column_mapping: { text_column: 'text', target_column: 'label' } },
    });

  test('leakage is a warning: the run stages the revision, creates its project and trains', async () => {
    const dataset = addDataset({ copied: 30 });
    const p = autotrainPipeline(dataset);
    const handle = await start(p);
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(autotrain.projectsStartingWith(p.name)).toHaveLength(1);
    const view = await runView(client, handle.workflowId);
    expect(view.dataChecks?.find((c) => c.check === 'leakage')).toMatchObject({ status: 'warn', count: 30 });
    expect(discussion(dataset, `${p.name} retrained`)?.description).toMatch(/\| `leakage` \| ⚠️ warn \| 30 \|/);
    // data-report.json beside the model AutoTrain pushed.
    const folder = join(deps.modelsDir, p.name, result.revision);
    const { model } = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { model: string };
    expect(hub.repos.file('model', model, 'data-report.json')?.toString()).toBe(
      readFileSync(join(folder, 'data-report.json'), 'utf8'),
    );
  });

  test('a label only in validation fails before any project, Space or staged dataset exists', async () => {
    const dataset = addDataset({ extraLabel: 'refund' });
    const p = autotrainPipeline(dataset);
    const handle = await start(p);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    expect(await scheduled(handle)).toEqual(['checkData', 'notify']);
    expect(autotrain.projectsStartingWith(p.name)).toHaveLength(0);
    expect(hub.repos.has('dataset', `${TEST_USER}/autotrain-data-${p.autotrain_project_prefix}`)).toBe(false);
    const view = await runView(client, handle.workflowId);
    expect(view).toMatchObject({ status: 'failed', stage: 'compensated' });
    expect(view.dataChecks?.find((c) => c.check === 'unseen_labels')).toMatchObject({ status: 'fail', count: 1 });
  });

  test('leakage set to "approve": nothing is staged or created while the run waits; once approved, one project trains', async () => {
    const dataset = addDataset({ copied: 30 });
    const p = pipeline(dataset, {
      backend: { type: 'autotrain', column_mapping: { text_column: 'text', target_column: 'label' } },
      data_checks: { leakage: 'approve' },
    });
    const handle = await start(p);
    await awaitingLeakageApproval(handle);
    expect(autotrain.projectsStartingWith(p.name)).toHaveLength(0);
    expect(hub.repos.has('dataset', `${TEST_USER}/autotrain-data-${p.autotrain_project_prefix}`)).toBe(false);
    expect(await scheduled(handle)).not.toContain('createProject');

    await handle.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'reviewer' }] });
    expect((await handle.result()).outcome).toBe('succeeded');
    expect(autotrain.projectsStartingWith(p.name)).toHaveLength(1);
    expect((await handle.query(progressQuery)).approval).toMatchObject({ decision: 'approved', checks: ['leakage'] });
  });
});
