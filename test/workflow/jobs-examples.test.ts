/**
 * Every Hugging Face Jobs pipeline of examples/configs/, loaded as a user would load it, runs end to end on the
 * real Temporal dev server against the strict fake Jobs API (which refuses what Jobs refuses: label characters,
 * flavors, ...): each trains, reads its metrics, and is announced.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../../src/config/config-schema';
import { loadConfigFile } from '../../src/config/load-config';
import {
  approveSignal,
  progressQuery,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type RetrainInput,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs } from '../fakes/fake-jobs';
import { trainingThatPushes } from '../helpers/jobs-stack';
import { eventually, scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'configs');
const TOKEN = 'hf_examples_ml_team_0123456789abcdef';
const REVIEWS_DIR = join(__dirname, '..', '..', 'examples', 'datasets', 'product-reviews');
const REVIEWS = Object.fromEntries(
  ['train.csv', 'validation.csv'].map((file) => [file, readFileSync(join(REVIEWS_DIR, file))]),
);

const examples = readdirSync(EXAMPLES)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => loadConfigFile(join(EXAMPLES, file)).map((pipeline) => ({ file, pipeline })))
  .filter(({ pipeline }) => pipeline.backend.type === 'hf-jobs');

let hub: FakeHub;
let jobs: FakeJobs;
let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  const namespaces = [...new Set(examples.map(({ pipeline }) => pipeline.target_namespace))];
  hub = new FakeHub().addToken(TOKEN, { name: 'ml-team', orgs: namespaces });
  jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
  // Each dataset holds what its task trains on (the data checks read it before a job is asked for): the bundled
  // product reviews for text, the fake Hub's image folders otherwise.
  for (const { pipeline } of examples) {
    if (hub.repos.has('dataset', pipeline.input_dataset)) continue;
    hub.addDataset(pipeline.input_dataset, pipeline.task === 'text-classification' ? { files: REVIEWS } : {});
  }
  jobs.scriptFor = (request) => {
    const example = examples.find(({ pipeline }) => pipeline.name === request.labels?.['retrain-pipeline']);
    const repo = example && `${example.pipeline.target_namespace}/${example.pipeline.name}`;
    return repo ? trainingThatPushes(repo, { eval_accuracy: 0.91, eval_loss: 0.3 }) : undefined;
  };
  client = await testClient();
  worker = await startWorker(unique('jobs-examples'), {
    hubEndpoint: hub.url,
    hfToken: TOKEN,
    namespace: 'default',
    ...scratchDirs(),
  });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  jobs?.stop();
  await hub?.stop();
});

/** As loaded, except that an outgoing notification goes to the fake Hub's host, never to the internet. */
function offline(pipeline: PipelineSpec): PipelineSpec {
  if (!pipeline.notify.webhook_url) return pipeline;
  return { ...pipeline, notify: { ...pipeline.notify, webhook_url: `${hub.url}/outgoing-notification` } };
}

test('the examples have Jobs pipelines to run', () => {
  expect(examples.map(({ pipeline }) => pipeline.name).sort()).toEqual([
    'chest-xray-triage',
    'fake-news-detection',
    'review-sentiment',
    'shop-product-images',
    'short-answer-grading',
  ]);
});

test.each(examples.map(({ file, pipeline }) => [file, pipeline.name, pipeline] as const))(
  '%s: %s trains on Jobs end to end',
  async (_file, name, loaded) => {
    const pipeline = offline(loaded);
    const revision = hub.head(pipeline.input_dataset);
    const input: RetrainInput = { pipeline, revision, attempt: 1 };
    const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
      workflowId: retrainWorkflowId(`${name}-${unique('x')}`, revision),
      taskQueue: worker.taskQueue,
      args: [input],
    });
    if (pipeline.approval === 'required') {
      await eventually(async () =>
        (await handle.query(progressQuery)).stage === 'awaiting-approval' ? true : undefined,
      );
      await handle.signal(approveSignal, { by: 'radiologist' });
    }

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', revision, metrics: { eval_accuracy: 0.91 } });
    const [job, ...more] = jobs.jobsLabelled({ 'retrain-pipeline': name, 'retrain-revision': revision });
    expect(more).toHaveLength(0);
    expect(job!.request.labels).toMatchObject({
      ...(pipeline.backend.type === 'hf-jobs' ? pipeline.backend.labels : {}),
      'retrain-dataset': pipeline.input_dataset.replace('/', '--'),
    });
    expect(job!.request.flavor).toBe(pipeline.backend.type === 'hf-jobs' ? pipeline.backend.flavor : undefined);
    const notice = hub
      .discussionsOf('dataset', pipeline.input_dataset)
      .find((d) => d.title.includes(`${name} retrained`));
    expect(notice?.description).toContain('| eval_accuracy | 0.9100 |');
  },
);
