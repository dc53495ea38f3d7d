/**
 * Issue 23 on Hugging Face Jobs, on a real Temporal dev server with the fake Hub and Jobs API: the second run's job
 * is told which model is in service (its repo at the commit the first run pushed), and the comparison.json it
 * pushes with its model (what job.py writes: test/backends/jobs-default-command.test.ts runs it) decides the gate.
 */
import type { Client } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TINY_PNG } from '../fakes/fake-hub';
import type { CreateBody } from '../fakes/fake-jobs-request';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { pushedComparison } from '../helpers/pushed-comparison';
import { startRetrainRun, TEST_USER } from '../helpers/stack';
import { startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let fakes: JobsStack;
let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  fakes = await startJobsFakes();
  client = await testClient();
  worker = await startWorker(unique('jobs-same-rows'), fakes.activityDeps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const TRUTH = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 'cat' : 'dog'));
const PREDICTED = TRUTH.map((label, i) => (i % 5 === 0 ? (label === 'cat' ? 'dog' : 'cat') : label)); // 0.8

test('the job measures the model in service at its pushed commit on the same rows; the gate decides on them', async () => {
  const name = unique('jobs-gate');
  const repo = `${TEST_USER}/${name}`;
  const requests: CreateBody[] = [];
  fakes.jobs.scriptFor = (request) => {
    if (request.labels?.['retrain-pipeline'] !== name) return undefined;
    requests.push(request);
    const currentRun = request.environment?.RETRAIN_CURRENT_RUN;
    // The second model's own evaluation says 0.95, above the 0.80 recorded for the first.
    const script = trainingThatPushes(repo, { eval_accuracy: currentRun ? 0.95 : 0.8 });
    script.pushModel!.files['comparison.json'] = pushedComparison(TRUTH, PREDICTED, currentRun);
    return script;
  };
  const pipeline = jobsPipeline(fakes, {
    name,
    task: 'image-classification',
    promotion: { metric: 'eval_accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
  });

  const first = await (
    await startRetrainRun(client, worker.taskQueue, pipeline, fakes.hub.head(fakes.dataset))
  ).result();
  expect(first.promotion).toMatchObject({ promoted: true, rows: 120, candidate: 0.8 });
  const pushed = fakes.hub.repos.head('model', repo).sha;
  const pointer = JSON.parse(
    readFileSync(join(fakes.activityDeps.modelsDir, pipeline.name, first.revision, 'model.json'), 'utf8'),
  ) as unknown;
  expect(pointer).toEqual({ model: repo, revision: pushed });

  // A new revision whose data passes the checks (issue 24) that run before any job: one more image of a class.
  fakes.hub.commitFiles('dataset', fakes.dataset, { 'train/cat/2.png': TINY_PNG }, 'more rows');
  const second = await (
    await startRetrainRun(client, worker.taskQueue, pipeline, fakes.hub.head(fakes.dataset))
  ).result();
  expect(requests[1]!.environment).toMatchObject({
    RETRAIN_CURRENT_MODEL: repo,
    RETRAIN_CURRENT_MODEL_REVISION: pushed,
    RETRAIN_CURRENT_RUN: first.revision,
  });
  expect(second.metrics.eval_accuracy).toBe(0.95);
  expect(second.promotion).toMatchObject({
    promoted: false,
    candidate: 0.8,
    current: 0.8,
    rows: 120,
    sameData: true,
    pValue: 1,
  });
  expect(second.promotion!.reason).toContain(
    `eval_accuracy 0.8000 vs 0.8000 for the model in service (${first.revision.slice(0, 7)}) on the same 120 validation rows`,
  );
});
