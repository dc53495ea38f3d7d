/**
 * RetrainWorkflow with the hf-jobs backend on a real Temporal dev server: the real activities talk HTTP to
 * the fake Hub and the fake Jobs API mounted on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { progressQuery, RETRAIN_WORKFLOW, retrainWorkflowId, type RetrainInput } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { TINY_PNG } from '../fakes/fake-hub';
import type { JobScript } from '../fakes/fake-jobs';
import { expectSecretAbsentFromHistories } from '../helpers/history';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, runView, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let fakes: JobsStack;
let client: Client;
let worker: RunningWorker;
/** Job scripts by pipeline name. */
const scripts = new Map<string, JobScript>();

beforeAll(async () => {
  fakes = await startJobsFakes();
  fakes.jobs.scriptFor = (request) => scripts.get(request.labels?.['retrain-pipeline'] ?? '');
  client = await testClient();
  worker = await startWorker(unique('hf-jobs'), fakes.activityDeps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const pipelines = new Map<string, ReturnType<typeof jobsPipeline>>();

function start(name: string, script: JobScript, backend: Record<string, unknown> = {}) {
  scripts.set(name, script);
  const pipeline = jobsPipeline(fakes, { name }, backend);
  pipelines.set(name, pipeline);
  const revision = fakes.hub.head(fakes.dataset);
  const input: RetrainInput = { pipeline, revision, attempt: 1 };
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [input],
  });
}

const jobOf = (name: string) => {
  const jobs = fakes.jobs.jobsLabelled({ 'retrain-pipeline': name });
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
};
const notice = (name: string, what: string) =>
  fakes.hub.discussionsOf('dataset', fakes.dataset).find((d) => d.title.includes(`${name} ${what}`));

test('a run on Hugging Face Jobs trains, reads the pushed model metrics, and links the job in result, memo and notice', async () => {
  const name = unique('resnet');
  const handle = await start(name, trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.93, eval_loss: 0.2 }));
  const result = await handle.result();

  const job = jobOf(name);
  const jobPage = `${fakes.hub.url}/jobs/${TEST_USER}/${job.id}`;
  expect(result).toMatchObject({
    outcome: 'succeeded',
    jobId: job.id,
    links: { job: jobPage, model: `${fakes.hub.url}/${TEST_USER}/${name}` },
    metrics: { eval_accuracy: 0.93, eval_loss: 0.2 },
  });
  expect((await handle.describe()).memo).toMatchObject({ jobId: job.id, links: { job: jobPage } });
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ stage: 'succeeded', status: 'COMPLETED' });
  expect(progress.logTail).toContain("{'loss': 0.61, 'epoch': 1.0}");
  const posted = notice(name, 'retrained');
  expect(posted?.description).toContain(jobPage);
  expect(posted?.description).toContain('| eval_accuracy | 0.9300 |');

  await expectSecretAbsentFromHistories(client, [handle.workflowId], TEST_TOKEN, job.id);
});

test('a job that ends in ERROR fails the run with its message, and the failure is announced', async () => {
  const name = unique('oom');
  const handle = await start(name, { outcome: 'error', runMs: 300, errorMessage: 'CUDA out of memory' });

  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress).toMatchObject({ outcome: 'failed', status: 'ERROR', stage: 'compensated' });
  expect(progress.error).toContain('CUDA out of memory');
  expect(notice(name, 'failed')?.description).toContain('CUDA out of memory');
  expect(fakes.jobs.cancelCalls).not.toContain(jobOf(name).id); // it had ended: nothing to stop
});

test('a job that runs past timeout_seconds is stopped by the service ("Job timeout") and the run fails', async () => {
  const name = unique('slow');
  const handle = await start(name, { outcome: 'hang', schedulingMs: 50 }, { timeout_seconds: 2 });

  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress.error).toContain('Job timeout');
  expect(jobOf(name)).toMatchObject({ stage: 'ERROR', message: 'Job timeout' });
  expect(fakes.jobs.cancelCalls).not.toContain(jobOf(name).id);
});

test('the log lines of a running job reach the status API when it is asked, not at every check; cancelling the run cancels the job', async () => {
  const name = unique('watch');
  const handle = await start(name, { outcome: 'hang', schedulingMs: 50, logs: ['epoch 1/5', 'epoch 2/5'] });
  await eventually(async () => (await runView(client, handle.workflowId)).backendStatus === 'RUNNING' || undefined);
  const logReads = () => fakes.hub.requests.filter((r) => r.path.endsWith(`/${jobOf(name).id}/logs`)).length;
  expect(logReads()).toBe(0); // the run's own checks read no log

  const view = await eventually(
    async () => {
      const v = await runView(client, handle.workflowId, { deps: fakes.activityDeps, pipeline: pipelines.get(name)! });
      return v.logTail.includes('epoch 2/5') ? v : undefined;
    },
    30_000,
    'log lines in the run view',
  );
  expect(view).toMatchObject({ stage: 'training', backendStatus: 'RUNNING', logTail: ['epoch 1/5', 'epoch 2/5'] });

  await handle.cancel();
  const failure = await handle.result().catch((err: unknown) => err);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const job = jobOf(name);
  expect(fakes.jobs.cancelCalls).toEqual(expect.arrayContaining([job.id]));
  expect(job.stage).toBe('CANCELED');
  expect(notice(name, 'retraining on')?.title).toContain('cancelled');
});

test('429 (with Retry-After) and 500 answers from Jobs are retried and start exactly one job', async () => {
  const create = new RegExp(`^/api/jobs/${TEST_USER}$`);
  fakes.jobs.faults.add({ method: 'POST', path: create, status: 429, retryAfter: 1, times: 2 });
  fakes.jobs.faults.add({ method: 'POST', path: create, status: 500, times: 1 });
  const name = unique('bursty');
  const handle = await start(name, { outcome: 'success', runMs: 200 });

  expect((await handle.result()).outcome).toBe('succeeded');
  expect(fakes.jobs.faults.hits(create)).toBe(3);
  jobOf(name);
});

test('a job the start made but never reported (its answer lost, the step failed) is stopped by the compensation', async () => {
  const name = unique('lost');
  // Jobs runs the job, but the answer to the request that started it is lost behind a 403.
  fakes.jobs.faults.add({
    method: 'POST',
    path: new RegExp(`^/api/jobs/${TEST_USER}$`),
    when: (req) => (req.body as { labels?: Record<string, string> }).labels?.['retrain-pipeline'] === name,
    status: 403,
    afterWork: true,
    times: 1,
  });
  const handle = await start(name, { outcome: 'hang', schedulingMs: 50 });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);

  const progress = await handle.query(progressQuery);
  expect(progress.error).toMatch(/^startProcessing: .*403/);
  expect(progress.jobId).toBeUndefined(); // the run never learnt the job's id...
  const job = jobOf(name);
  expect(fakes.jobs.cancelCalls).toContain(job.id); // ...and stopped it all the same
  expect(job.stage).toBe('CANCELED');
  expect(progress.compensationErrors).toBeUndefined();
});

/** A run of a new pipeline on `dataset` (the data checks' tests: the worker checks before it asks Jobs for anything). */
async function startOn(
  dataset: string,
  overrides: Record<string, unknown> = {},
  backend: Record<string, unknown> = {},
) {
  const name = unique('jobs-checked');
  scripts.set(name, trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.9 }));
  const pipeline = jobsPipeline({ dataset }, { name, ...overrides }, backend);
  const revision = fakes.hub.head(dataset);
  const input: RetrainInput = { pipeline, revision, attempt: 1 };
  const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [input],
  });
  return { name, handle };
}

test('a revision with a label only in validation fails at checking-data: no job is ever created', async () => {
  const dataset = `${TEST_USER}/${unique('birds')}`;
  fakes.hub.addDataset(dataset, {
    files: { 'train/cat/0.png': TINY_PNG, 'train/dog/0.png': TINY_PNG, 'validation/bird/0.png': TINY_PNG },
  });
  const { name, handle } = await startOn(dataset);
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(fakes.jobs.jobsLabelled({ 'retrain-pipeline': name })).toEqual([]);
  expect(progress.timings).not.toHaveProperty('created');
  expect(progress.dataChecks?.find((c) => c.check === 'unseen_labels')).toMatchObject({
    status: 'fail',
    examples: ['bird (validation/bird/0.png)'],
  });
});

test('a revision the data checks only warn about trains on Jobs, with the report in its view', async () => {
  // The stack's dataset: two identical images a class, so small classes and duplicates.
  const { name, handle } = await startOn(fakes.dataset);
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  jobOf(name);
  const view = await runView(client, handle.workflowId);
  expect(view.dataChecks?.filter((c) => c.status !== 'pass').map((c) => [c.check, c.count])).toEqual([
    ['small_classes', 2],
    ['duplicates', 3],
  ]);
  // data-report.json beside the model the job pushed, in the commit the registry records for it.
  const repo = `${TEST_USER}/${name}`;
  const folder = join(fakes.activityDeps.modelsDir, name, result.revision);
  const report = readFileSync(join(folder, 'data-report.json'), 'utf8');
  expect(fakes.hub.repos.file('model', repo, 'data-report.json')?.toString()).toBe(report);
  const head = fakes.hub.repos.head('model', repo);
  expect(JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'))).toEqual({ model: repo, revision: head.sha });
  expect(fakes.hub.repos.file('model', repo, 'all_results.json', head.sha)).toBeDefined();
});

test("the checks read the columns the job's RETRAIN_PARAMS names: a label column of another name passes schema and trains", async () => {
  const dataset = `${TEST_USER}/${unique('intents')}`;
  const rows = ['refund', 'invoice', 'login'].flatMap((intent) =>
    Array.from({ length: 5 }, (_, i) => `"please help with my ${intent}, ticket ${i}",${intent}`),
  );
  // No column the trainers would pick as the label by themselves: only RETRAIN_PARAMS.label_column names it.
  fakes.hub.addDataset(dataset, { files: { 'train.csv': `utterance,user_intent\n${rows.join('\n')}\n` } });
  const params = JSON.stringify({ label_column: 'user_intent', max_length: 8, max_steps: 50 });
  const { name, handle } = await startOn(
    dataset,
    { task: 'text-classification', input_model: 'distilbert-base-uncased' },
    { env: { RETRAIN_PARAMS: params } },
  );
  expect((await handle.result()).outcome).toBe('succeeded');
  expect(jobOf(name).request.environment?.RETRAIN_PARAMS).toBe(params);
  const checks = (await runView(client, handle.workflowId)).dataChecks ?? [];
  expect(checks.find((c) => c.check === 'schema')).toMatchObject({
    status: 'pass',
    detail: 'columns read: user_intent, utterance',
  });
  // max_length from RETRAIN_PARAMS too: every ticket is over 8 tokens.
  expect(checks.find((c) => c.check === 'too_long')).toMatchObject({ status: 'warn', count: 15 });
});
