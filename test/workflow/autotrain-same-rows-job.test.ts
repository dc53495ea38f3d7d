/**
 * Issue 23 on AutoTrain with `backend.evaluation.runner: "hf-jobs"`, on a real Temporal dev server with the fake Hub,
 * fake AutoTrain and the fake Jobs API: after AutoTrain's training, the evaluation step runs a small Job (told the
 * candidate's commit and the model in service at its recorded commit), and the comparison.json that Job pushes to the
 * candidate's repo (what compare_job.py writes: trainers/transformers/tests/test_compare_job.py runs it) decides the
 * gate. The worker loads no model itself: this file needs no Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeJobs, JobScript } from '../fakes/fake-jobs';
import type { CreateBody } from '../fakes/fake-jobs-request';
import { pushedComparison } from '../helpers/pushed-comparison';
import { pipelineSpec, startFakes, startRetrainRun, TEST_USER, type FakeStack } from '../helpers/stack';
import { eventually, unique, useFakesAndWorker, type FakesAndWorker } from '../helpers/temporal';
import { reviewsFolder } from '../helpers/transformers';

const stack = {} as FakesAndWorker<FakeStack & { jobs: FakeJobs }>;
// Heartbeats every second (30 s by default without a heartbeat timeout): a cancel reaches the activity at once.
useFakesAndWorker(stack, () => startFakes({ jobs: true }), 'autotrain-rows-job', {
  defaultHeartbeatThrottleInterval: '1s',
});

const TRUTH = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'positive' : 'negative'));
const PREDICTED = TRUTH.map((label, i) => (i % 4 === 0 ? (label === 'positive' ? 'negative' : 'positive') : label)); // 0.75

/** An AutoTrain pipeline whose evaluation runs in a Job, on a text dataset of its own; its Jobs run `script`. */
function reviewsPipeline(script: (request: CreateBody) => JobScript) {
  const { hub, jobs, autotrain } = stack.fakes;
  const dataset = `${TEST_USER}/${unique('reviews')}`;
  const folder = reviewsFolder(24, 8);
  const csv = (split: string) => readFileSync(join(folder, `${split}.csv`), 'utf8');
  hub.addDataset(dataset, { files: { 'train.csv': csv('train'), 'validation.csv': csv('validation') } });
  const name = unique('at-job');
  autotrain.scripts.set(name, { outcome: 'success', buildMs: 50, runMs: 200, modelFiles: { 'config.json': '{}' } });
  const requests: CreateBody[] = [];
  jobs.scriptFor = (request) => {
    if (request.labels?.['retrain-pipeline'] !== name) return undefined;
    requests.push(request);
    return script(request);
  };
  const spec = pipelineSpec(
    { dataset },
    {
      name,
      task: 'text-classification',
      input_model: 'google-bert/bert-base-uncased',
      backend: { type: 'autotrain', valid_split: 'validation', evaluation: { runner: 'hf-jobs' } },
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
    },
  );
  const start = async () => startRetrainRun(stack.client, stack.worker.taskQueue, spec, hub.head(dataset));
  const moreRows = () =>
    hub.commitFiles('dataset', dataset, {
      'validation.csv': `${csv('validation')}broken item arrived late,negative\n`,
    });
  return { name, dataset, requests, start, moreRows };
}

test('the evaluation Job measures the model in service at its recorded commit on the same rows; the gate decides on them', async () => {
  const { name, dataset, requests, start, moreRows } = reviewsPipeline((request) => {
    // compare_job.py's first value (after the script, $0 and the trainer bundle): the repo AutoTrain pushed.
    const candidate = request.command![5]!;
    const files = { 'comparison.json': pushedComparison(TRUTH, PREDICTED, request.environment?.RETRAIN_CURRENT_RUN) };
    return { outcome: 'success', schedulingMs: 100, runMs: 300, pushModel: { repo: candidate, files } };
  });
  const run = async () => (await start()).result();

  const first = await run();
  expect(first.promotion).toMatchObject({ promoted: true, rows: 40, split: 'validation' });
  const firstRepo = `${TEST_USER}/${name}-${first.revision.slice(0, 12)}`;
  const pointer = JSON.parse(
    readFileSync(join(stack.fakes.activityDeps.modelsDir, name, first.revision, 'model.json'), 'utf8'),
  ) as { model: string; revision: string };
  // The commit AutoTrain pushed, the one the first Job measured (the Job's own comparison.json commit came after it).
  expect(pointer).toEqual({ model: firstRepo, revision: requests[0]!.command![6] });

  moreRows();
  const second = await run();
  expect(requests).toHaveLength(2);
  expect(requests[1]!.environment).toMatchObject({
    RETRAIN_CURRENT_MODEL: firstRepo,
    RETRAIN_CURRENT_MODEL_REVISION: pointer.revision,
    RETRAIN_CURRENT_RUN: first.revision,
  });
  expect(requests[1]!.command!.slice(7)).toEqual([dataset, second.revision, 'text-classification']);
  // The same model, the same rows, the same code: the same number, p = 1, not promoted.
  expect(second.promotion).toMatchObject({
    promoted: false,
    candidate: 0.75,
    current: 0.75,
    rows: 40,
    sameData: true,
    pValue: 1,
  });
  expect(second.promotion!.reason).toContain(
    `for the model in service (${first.revision.slice(0, 7)}) on the same 40 validation rows`,
  );
});

test('a run cancelled while its evaluation Job runs cancels the Job', async () => {
  const { requests, start } = reviewsPipeline(() => ({ outcome: 'hang', schedulingMs: 100 }));
  const handle = await start();
  const job = await eventually(
    () => {
      const id = requests.length > 0 ? stack.fakes.jobs.jobsLabelled(requests[0]!.labels!)[0]?.id : undefined;
      return id && stack.fakes.jobs.job(id)?.stage === 'RUNNING' ? id : undefined;
    },
    60_000,
    'the evaluation Job to run',
  );
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();
  // The activity learns of the cancel at its next heartbeat (this worker sends them every second).
  await eventually(
    () => (stack.fakes.jobs.job(job)!.stage === 'CANCELED' ? true : undefined),
    60_000,
    'the Job cancelled',
  );
  expect(stack.fakes.jobs.cancelCalls).toContain(job);
});
