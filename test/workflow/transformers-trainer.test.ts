/**
 * The transformers trainer through the local backend on a real Temporal dev server: a pipeline that names a
 * tiny local model (built offline in set-up) fine-tunes it, for text and for images; the folder loads with
 * transformers, `predict` answers, and the promotion gate decides on the numbers reported. Tiny random models
 * are judged on flow, files and consistency, never on what they learnt. A base model that cannot be loaded fails
 * the run at the pre-flight check, in seconds; the baseline chosen for a named model says so.
 */
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { ActivityDeps } from '../../src/activities';
import { predictWithCurrentModel } from '../../src/cli/predict-command';
import type { PipelineSpec } from '../../src/config/config-schema';
import { folderRevision } from '../../src/datasets/local-folder';
import {
  progressQuery,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type RetrainResult,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { FakeHub } from '../fakes/fake-hub';
import { folderPipeline, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';
import {
  reviewsFolder,
  swatchesFolder,
  tinyModel,
  TINY_PARAMS,
  TRAINER_TEST_TIMEOUT_MS,
} from '../helpers/transformers';

jest.setTimeout(TRAINER_TEST_TIMEOUT_MS);

// One torch thread per trainer: the suite shares two cores, where a second spinning thread only costs CPU.
process.env.OMP_NUM_THREADS ??= '1';
// The trainers' datasets cache (Arrow copies of each revision) in a folder of the test's, not the user's ~/.cache.
process.env.HF_DATASETS_CACHE ??= mkdtempSync(join(tmpdir(), 'hub-retrain-datasets-'));

let hub: FakeHub;
let client: Client;
let worker: RunningWorker;
let deps: ActivityDeps;
let textModel: string;
let imageModel: string;

beforeAll(async () => {
  [hub, client, textModel, imageModel] = await Promise.all([
    new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start(),
    testClient(),
    tinyModel('text'),
    tinyModel('image'),
  ]);
  // No trainer override: the local backend runs the trainers of trainers/.
  deps = { hubEndpoint: hub.url, hfToken: TEST_TOKEN, namespace: 'default', ...scratchDirs() };
  worker = await startWorker(unique('transformers'), deps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await hub?.stop();
});

/** A pipeline fine-tuning `fields.input_model` (each test names its tiny model). */
function pipelineOf(folder: string, fields: Record<string, unknown> & { input_model: string }): PipelineSpec {
  return folderPipeline('fine-tune', folder, {
    backend: { type: 'local', params: TINY_PARAMS },
    promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
    ...fields,
  });
}

async function start(pipeline: PipelineSpec) {
  const revision = await folderRevision(pipeline.local_path!);
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
}

/** The labels of a saved model, in the order of its outputs (config.json's id2label). */
function savedLabels(folder: string): string[] {
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { id2label: Record<string, string> };
  return Object.keys(config.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((id) => config.id2label[id]!);
}

test('a text pipeline fine-tunes its named base model: trained folder, metrics, card, predict, gate, publish', async () => {
  const repo = `${TEST_USER}/${unique('reviews-model')}`;
  const pipeline = pipelineOf(reviewsFolder(), { input_model: textModel, publish: { repo } });
  const handle = await start(pipeline);
  const result: RetrainResult = await handle.result();

  expect(result.outcome).toBe('succeeded');
  expect(result.promotion).toMatchObject({ promoted: true, metric: 'accuracy', candidate: result.metrics.accuracy });
  expect(result.metrics).toMatchObject({ eval_rows: 8, train_rows: 24 });
  const dir = join(deps.modelsDir, pipeline.name, result.revision);
  expect(readlinkSync(join(deps.modelsDir, pipeline.name, 'current'))).toBe(result.revision);
  expect(savedLabels(dir)).toEqual(['negative', 'positive']);
  expect(existsSync(join(dir, 'model.safetensors'))).toBe(true);
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
  expect(metrics).toMatchObject({ trainer: 'transformers', device: 'cpu', base_model: textModel, epochs: 2 });
  const card = readFileSync(join(dir, 'README.md'), 'utf8');
  expect(card).toContain('library_name: transformers'); // the trainer's card, kept by the registry
  expect(card).toContain(`# ${pipeline.name}`);
  const progress = await handle.query(progressQuery);
  expect(progress.logTail.join('\n')).toContain('epoch 2/2 evaluated');

  // predict loads the promoted folder with a transformers pipeline.
  const prediction = await predictWithCurrentModel(deps.modelsDir, [pipeline], pipeline.name, 'awful broken refund');
  expect(['negative', 'positive']).toContain(prediction.label);
  expect(Object.keys(prediction.scores)).toEqual(['negative', 'positive']);

  // Publishing pushes the transformers folder: weights, config, tokenizer and the trainer's card.
  expect(result.links.model).toBe(`${hub.url}/${repo}`);
  const published = (path: string) => hub.repos.file('model', repo, path);
  expect(published('model.safetensors')?.equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
  for (const file of ['config.json', 'tokenizer.json', 'eval_results.json'])
    expect(published(file)?.toString()).toBe(readFileSync(join(dir, file), 'utf8'));
  expect(published('README.md')?.toString()).toContain('library_name: transformers');
});

test('an image pipeline fine-tunes a tiny ViT on image folders: labels, metrics and gate agree, predict answers', async () => {
  const folder = await swatchesFolder();
  const pipeline = pipelineOf(folder, { input_model: imageModel, task: 'image-classification' });
  const result = await (await start(pipeline)).result();

  // A randomly initialised tiny ViT need not learn anything in two epochs (on a busy machine it did not): the
  // run is judged on its flow and on numbers that agree with each other, never on having learnt.
  expect(result.outcome).toBe('succeeded');
  expect(result.metrics).toMatchObject({ eval_rows: 8, train_rows: 16, baseline_accuracy: 0.5 });
  expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0);
  expect(result.metrics.accuracy).toBeLessThanOrEqual(1);
  // No model in service yet: the first candidate is promoted, on the number the trainer reported.
  expect(result.promotion).toMatchObject({ promoted: true, metric: 'accuracy', candidate: result.metrics.accuracy });
  const dir = join(deps.modelsDir, pipeline.name, result.revision);
  expect(savedLabels(dir)).toEqual(['blue', 'red']);
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as {
    accuracy: number;
    confusion: { labels: string[]; matrix: number[][] };
  };
  expect(metrics.accuracy).toBe(result.metrics.accuracy);
  const { labels, matrix } = metrics.confusion;
  expect(labels).toEqual(['blue', 'red']);
  expect(matrix.map((row, i) => row[i]!).reduce((a, b) => a + b, 0) / 8).toBeCloseTo(metrics.accuracy, 6);
  const prediction = await predictWithCurrentModel(
    deps.modelsDir,
    [pipeline],
    pipeline.name,
    join(folder, 'validation', 'red', '0.png'),
  );
  expect(['blue', 'red']).toContain(prediction.label);
  expect(Object.keys(prediction.scores)).toEqual(['blue', 'red']);
  expect(Object.values(prediction.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
});

test('a base model that cannot be loaded fails the run at the pre-flight check, before any job, with its own message', async () => {
  const cases: Array<[string, RegExp]> = [
    ['no-such-org/no-such-model', /RETRAIN_BASE_MODEL: no model no-such-org\/no-such-model on .*check the id/],
    [mkdtempSync(join(tmpdir(), 'not-a-model-')), /holds no config.json; expected a model folder/],
  ];
  for (const [model, message] of cases) {
    const pipeline = pipelineOf(reviewsFolder(), { input_model: model });
    const handle = await start(pipeline);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const progress = await handle.query(progressQuery);
    expect(progress.error).toMatch(message);
    expect(progress).toMatchObject({ stage: 'compensated', outcome: 'failed' });
    expect(progress.jobId).toBeUndefined(); // nothing was started: no training ran
  }
});

test('the TypeScript baseline chosen for a pipeline that names a base model says so in its messages and its card', async () => {
  const pipeline = pipelineOf(reviewsFolder(60, 20), {
    input_model: 'distilbert/distilbert-base-uncased',
    backend: { type: 'local', trainer: 'baseline' },
  });
  const result = await (await start(pipeline)).result();

  expect(result.outcome).toBe('succeeded');
  expect(result.message).toContain(
    'base model distilbert/distilbert-base-uncased not trained: backend.trainer is "baseline"',
  );
  const card = readFileSync(join(deps.modelsDir, pipeline.name, result.revision, 'README.md'), 'utf8');
  expect(card).toContain('> **Note:** base model distilbert/distilbert-base-uncased not trained');
  expect(card).not.toContain('base_model:');
});
