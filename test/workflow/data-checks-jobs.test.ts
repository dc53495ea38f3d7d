/**
 * The data checks of a Hugging Face Jobs pipeline, on a real Temporal dev server with the fake Hub and Jobs API: the
 * worker checks the revision (downloading it once) before it asks Jobs for anything, so a revision the checks fail
 * never rents hardware, and a good one trains with its report.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { progressQuery, RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { TINY_PNG } from '../fakes/fake-hub';
import type { JobScript } from '../fakes/fake-jobs';
import { jobsPipeline, startJobsFakes, trainingThatPushes, type JobsStack } from '../helpers/jobs-stack';
import { TEST_USER } from '../helpers/stack';
import { runView, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let fakes: JobsStack;
let client: Client;
let worker: RunningWorker;
const scripts = new Map<string, JobScript>();

beforeAll(async () => {
  fakes = await startJobsFakes();
  fakes.jobs.scriptFor = (request) => scripts.get(request.labels?.['retrain-pipeline'] ?? '');
  client = await testClient();
  worker = await startWorker(unique('data-checks-jobs'), fakes.activityDeps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

function start(dataset: string) {
  const name = unique('jobs-checked');
  scripts.set(name, trainingThatPushes(`${TEST_USER}/${name}`, { eval_accuracy: 0.9 }));
  const pipeline = jobsPipeline({ dataset }, { name });
  const revision = fakes.hub.head(dataset);
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
}

const jobsOf = (name: string) => fakes.jobs.jobsLabelled({ 'retrain-pipeline': name });

test('a revision with a label only in validation fails at checking-data: no job is ever created', async () => {
  const dataset = `${TEST_USER}/${unique('birds')}`;
  fakes.hub.addDataset(dataset, {
    files: {
      'train/cat/0.png': TINY_PNG,
      'train/dog/0.png': TINY_PNG,
      'validation/bird/0.png': TINY_PNG,
    },
  });
  const handle = await start(dataset);
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(jobsOf(progress.pipeline)).toEqual([]);
  expect(progress.timings).not.toHaveProperty('created');
  expect(progress.dataChecks?.find((c) => c.check === 'unseen_labels')).toMatchObject({
    status: 'fail',
    examples: ['bird (validation/bird/0.png)'],
  });
});

test('a revision the checks only warn about trains on Jobs, with the report in its view', async () => {
  // The stack's dataset: two identical images a class, so small classes and duplicates.
  const handle = await start(fakes.dataset);
  expect((await handle.result()).outcome).toBe('succeeded');
  const view = await runView(client, handle.workflowId);
  expect(jobsOf(view.pipeline!)).toHaveLength(1);
  expect(view.dataChecks?.filter((c) => c.status !== 'pass').map((c) => [c.check, c.count])).toEqual([
    ['small_classes', 2],
    ['duplicates', 3],
  ]);
});
