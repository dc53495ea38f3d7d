/**
 * The hf-jobs backend against the fake Hub and its fake Jobs API, step by step (no Temporal): what it asks
 * Jobs to run, how it finds a run's job again, and what it reports.
 */
import { HfJobsBackend } from '../../src/backends/hf-jobs/hf-jobs-backend';
import { DEFAULT_JOB_SCRIPT } from '../../src/backends/hf-jobs/job-request';
import { trainerBundle } from '../../src/backends/transformers-trainer';
import type { RunContext } from '../../src/backends/types';
import { HubClient } from '../../src/hub/hub-client';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { backendOptions, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { unique } from '../helpers/temporal';

let fakes: JobsStack;
/** The backend for a run's pipeline, as createBackends makes it. */
let backend: (run: RunContext) => HfJobsBackend;

beforeAll(async () => {
  fakes = await startJobsFakes();
  const hub = new HubClient({ endpoint: fakes.hub.url, token: TEST_TOKEN });
  backend = (run) => new HfJobsBackend({ hub, hfToken: TEST_TOKEN }, backendOptions(run.pipeline, 'hf-jobs'));
});

afterAll(async () => {
  await fakes?.stop();
});

function runOf(overrides: Record<string, unknown> = {}, options: Record<string, unknown> = {}): RunContext {
  const pipeline = jobsPipeline(fakes, overrides, options);
  return { pipeline, revision: fakes.hub.head(fakes.dataset), attempt: 1 };
}

async function startRun(run: RunContext) {
  const project = await backend(run).createProject(run);
  const data = await backend(run).addData(run, project);
  return backend(run).start(run, project, data);
}

/** The default command: this project's transformers trainer, packed, then the run's values (job-request.ts). */
const trainerCommand = (...values: string[]) => [
  'bash',
  '-c',
  DEFAULT_JOB_SCRIPT,
  'hub-retrain',
  trainerBundle(),
  ...values,
];

test('the default image-classification job fine-tunes input_model on the exact revision with the token as a secret only', async () => {
  const run = runOf();
  const job = await startRun(run);

  const [created] = fakes.jobs.jobsLabelled({ 'retrain-pipeline': run.pipeline.name });
  expect(created?.request).toEqual({
    dockerImage: 'ghcr.io/astral-sh/uv:python3.12-bookworm',
    command: trainerCommand(
      fakes.dataset,
      run.revision,
      'microsoft/resnet-50',
      `${TEST_USER}/${run.pipeline.name}`,
      'image-classification',
      run.pipeline.name,
    ),
    arguments: [],
    environment: {},
    secrets: { HF_TOKEN: TEST_TOKEN },
    flavor: 'a10g-small',
    timeoutSeconds: 7200,
    labels: {
      'retrain-pipeline': run.pipeline.name,
      'retrain-dataset': fakes.dataset.replace('/', '--'),
      'retrain-revision': run.revision,
      'retrain-attempt': '1',
      'retrain-managed-by': 'hub-retrain',
    },
  });
  expect(job).toEqual({
    jobId: created!.id,
    links: {
      job: `${fakes.hub.url}/jobs/${TEST_USER}/${created!.id}`,
      model: `${fakes.hub.url}/${TEST_USER}/${run.pipeline.name}`,
    },
    outputModel: `${TEST_USER}/${run.pipeline.name}`,
  });

  // What the service keeps and shows of the job names the secret, never its value.
  const shown = await fetch(`${fakes.hub.url}/api/jobs/${TEST_USER}/${job.jobId}`, {
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
  }).then((r) => r.json() as Promise<{ secrets: string[] }>);
  expect(shown.secrets).toEqual(['HF_TOKEN']);
  expect(JSON.stringify(shown)).not.toContain(TEST_TOKEN);
});

test('the default text-classification job runs the same trainer for text, and the options reach the request', async () => {
  const run = runOf(
    { task: 'text-classification', input_model: 'distilbert/distilbert-base-uncased' },
    {
      namespace: 'acme-org',
      flavor: 't4-small',
      timeout_seconds: 1800,
      env: { WANDB_MODE: 'offline' },
      labels: { team: 'nlp' },
    },
  );
  await startRun(run);

  const [created] = fakes.jobs.jobsLabelled({ 'retrain-pipeline': run.pipeline.name });
  expect(created?.namespace).toBe('acme-org');
  expect(created?.request).toEqual({
    dockerImage: 'ghcr.io/astral-sh/uv:python3.12-bookworm',
    command: trainerCommand(
      fakes.dataset,
      run.revision,
      'distilbert/distilbert-base-uncased',
      `${TEST_USER}/${run.pipeline.name}`,
      'text-classification',
      run.pipeline.name,
    ),
    arguments: [],
    environment: { WANDB_MODE: 'offline' },
    secrets: { HF_TOKEN: TEST_TOKEN },
    flavor: 't4-small',
    timeoutSeconds: 1800,
    labels: {
      team: 'nlp',
      'retrain-pipeline': run.pipeline.name,
      'retrain-dataset': fakes.dataset.replace('/', '--'),
      'retrain-revision': run.revision,
      'retrain-attempt': '1',
      'retrain-managed-by': 'hub-retrain',
    },
  });
});

test('a custom command gets its placeholders filled and its image used', async () => {
  const command = ['python', 'train.py', '--data={dataset}@{revision}', '--from', '{base_model}', '--task={task}'];
  const run = runOf({}, { image: 'pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel', command });
  const job = await startRun(run);

  const created = fakes.jobs.job(job.jobId)!;
  expect(created.request.dockerImage).toBe('pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel');
  expect(created.request.command).toEqual([
    'python',
    'train.py',
    `--data=${fakes.dataset}@${run.revision}`,
    '--from',
    'microsoft/resnet-50',
    '--task=image-classification',
  ]);
  // It does not push to {output_repo}, so there is no model to look for.
  expect(job.outputModel).toBeUndefined();
});

test('a retried start adopts the job of its run instead of starting a second one', async () => {
  const run = runOf();
  const first = await startRun(run);
  const again = await startRun(run);

  expect(again).toMatchObject({ jobId: first.jobId, reused: true });
  expect(fakes.jobs.jobsLabelled({ 'retrain-pipeline': run.pipeline.name })).toHaveLength(1);
  // The next attempt of the same revision is a different run.
  const next = await startRun({ ...run, attempt: 2 });
  expect(next.jobId).not.toBe(first.jobId);
});

test('a job of the run that failed is not adopted: the retried start runs a new one', async () => {
  const name = unique('flaky');
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name ? { outcome: 'error', schedulingMs: 10, runMs: 10 } : undefined;
  const run = runOf({ name });
  const first = await startRun(run);
  await waitFor(() => fakes.jobs.job(first.jobId)?.stage === 'ERROR');

  const second = await startRun(run);
  expect(second.jobId).not.toBe(first.jobId);
  expect(second.reused).toBeUndefined();
});

test('status follows the stage and reports the error message; the log tail is read apart', async () => {
  const name = unique('oom');
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name
      ? {
          outcome: 'error',
          schedulingMs: 2000, // long enough that the first status check sees it scheduling, however loaded the machine
          runMs: 300,
          logs: ['loading', 'epoch 1'],
          errorMessage: 'CUDA out of memory',
        }
      : undefined;
  const run = runOf({ name });
  const job = await startRun(run);

  expect(await backend(run).status(run, job)).toMatchObject({ state: 'queued', stage: 'SCHEDULING' });
  await waitFor(() => fakes.jobs.job(job.jobId)?.stage === 'ERROR');
  const status = await backend(run).status(run, job);
  expect(status).toMatchObject({ state: 'failed', stage: 'ERROR', message: 'CUDA out of memory' });
  expect(status.logTail).toBeUndefined();
  expect(await backend(run).logTail(run, job)).toEqual(['loading', 'epoch 1']);
  expect(status.model).toBeUndefined();
});

test('after COMPLETED the metrics come from the evaluation results the job pushed to the model repo', async () => {
  const name = unique('good');
  const repo = `${TEST_USER}/${name}`;
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name
      ? trainingThatPushes(repo, { eval_accuracy: 0.93, eval_loss: 0.21 })
      : undefined;
  const run = runOf({ name });
  const job = await startRun(run);
  await waitFor(() => fakes.jobs.job(job.jobId)?.stage === 'COMPLETED');

  const status = await backend(run).status(run, job);
  expect(status).toMatchObject({ state: 'succeeded', stage: 'COMPLETED', model: repo });
  expect(status.metrics).toEqual({ eval_accuracy: 0.93, eval_loss: 0.21 }); // eval_results.json, not all_results
});

test('a model repo that did not change since the job started is not taken for its output', async () => {
  const name = unique('nopush');
  const repo = `${TEST_USER}/${name}`;
  fakes.hub.commitFiles('model', repo, { 'all_results.json': '{"eval_accuracy": 0.5}' }); // an older run's
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name ? { outcome: 'success', schedulingMs: 20, runMs: 50 } : undefined;
  const run = runOf({ name });
  const job = await startRun(run);
  await waitFor(() => fakes.jobs.job(job.jobId)?.stage === 'COMPLETED');

  const status = await backend(run).status(run, job);
  expect(status.state).toBe('succeeded');
  expect(status.model).toBeUndefined();
  expect(status.metrics).toBeUndefined();
});

test('every label fits the Jobs label rule: the dataset id is encoded (acme/beans -> acme--beans), the rest as is', async () => {
  const run = runOf({}, { labels: { team: 'vision.v2' } });
  const job = await startRun(run); // the fake refuses (400) a label value with "/", as Jobs does

  const labels = fakes.jobs.job(job.jobId)!.request.labels!;
  expect(labels).toEqual({
    team: 'vision.v2',
    'retrain-pipeline': run.pipeline.name,
    'retrain-dataset': fakes.dataset.replace('/', '--'),
    'retrain-revision': run.revision,
    'retrain-attempt': '1',
    'retrain-managed-by': 'hub-retrain',
  });
  for (const [key, value] of Object.entries(labels)) {
    expect(key).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
    expect(value).toMatch(/^[A-Za-z0-9._-]{0,100}$/);
  }
  // And the job is found again by those labels.
  expect(await startRun(run)).toMatchObject({ jobId: job.jobId, reused: true });
});

test("cancel does not read the answer's body and waits until the job's stage says it stopped", async () => {
  const name = unique('lagging');
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name ? { outcome: 'hang', schedulingMs: 10 } : undefined;
  fakes.jobs.cancelLagMs = 400; // the answer (an empty body) comes before the job reads CANCELED
  try {
    const run = runOf({ name });
    const job = await startRun(run);
    await waitFor(() => fakes.jobs.job(job.jobId)?.stage === 'RUNNING');

    await backend(run).cancel(run, job);
    expect(fakes.jobs.job(job.jobId)?.stage).toBe('CANCELED');
    expect(await backend(run).stillRunning(run, job)).toBeUndefined();
  } finally {
    fakes.jobs.cancelLagMs = 0;
  }
});

test('a job that will not stop fails the cancel (to be retried) and is named by stillRunning', async () => {
  const name = unique('stuck');
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name ? { outcome: 'hang', schedulingMs: 10 } : undefined;
  const hub = new HubClient({ endpoint: fakes.hub.url, token: TEST_TOKEN });
  fakes.jobs.cancelLagMs = 60_000;
  try {
    const run = runOf({ name });
    const job = await startRun(run);
    await waitFor(() => fakes.jobs.job(job.jobId)?.stage === 'RUNNING');
    const impatient = new HfJobsBackend(
      { hub, hfToken: TEST_TOKEN, cancelPolicy: { checks: 3, checkEveryMs: 50 } },
      backendOptions(run.pipeline, 'hf-jobs'),
    );

    await expect(impatient.cancel(run, job)).rejects.toThrow(/still RUNNING/);
    expect(await impatient.stillRunning(run, job)).toContain(`the job ${job.jobId} is still RUNNING`);
  } finally {
    fakes.jobs.cancelLagMs = 0;
  }
});

test('cancel stops a job that is still running and does nothing for one that ended', async () => {
  const name = unique('stop');
  fakes.jobs.scriptFor = (req) =>
    req.labels?.['retrain-pipeline'] === name ? { outcome: 'hang', schedulingMs: 10 } : undefined;
  const running = await startRun(runOf({ name }));
  await backend(runOf({ name })).cancel(runOf({ name }), running);
  expect(fakes.jobs.cancelCalls).toContain(running.jobId);
  expect(fakes.jobs.job(running.jobId)?.stage).toBe('CANCELED');

  const calls = fakes.jobs.cancelCalls.length;
  await backend(runOf({ name })).cancel(runOf({ name }), running);
  expect(fakes.jobs.cancelCalls).toHaveLength(calls);
});

test('without a token the backend fails fast with MissingCredentials', async () => {
  const hub = new HubClient({ endpoint: fakes.hub.url });
  const run = runOf();
  const tokenless = new HfJobsBackend({ hub }, backendOptions(run.pipeline, 'hf-jobs'));
  await expect(tokenless.createProject(run)).rejects.toMatchObject({ name: 'MissingCredentials' });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the fake job');
    await new Promise((r) => setTimeout(r, 20));
  }
}
