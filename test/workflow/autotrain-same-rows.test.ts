/**
 * Issue 23 on AutoTrain, on a real Temporal dev server with the fake Hub and fake AutoTrain: after AutoTrain's
 * training, the evaluation step downloads the model AutoTrain pushed (real tiny model files) and the model in
 * service at its recorded commit, and measures both on the run's revision's validation split with the transformers
 * trainer's compare.py; the gate decides on those rows.
 */
import { existsSync, readdirSync, readlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineSpec, startRetrainRun, TEST_USER, useWorkerStack } from '../helpers/stack';
import { unique } from '../helpers/temporal';
import { python, reviewsFolder, tinyModel, TRAINER_TEST_TIMEOUT_MS } from '../helpers/transformers';

jest.setTimeout(TRAINER_TEST_TIMEOUT_MS);

const stack = useWorkerStack('autotrain-same-rows');
let model: Record<string, Buffer>;

/** A tiny BERT whose head knows the dataset's labels (random weights: it predicts, it does not know). */
async function labelledTinyModel(): Promise<Record<string, Buffer>> {
  const base = await tinyModel('text', join(reviewsFolder(), 'train.csv'));
  const out = `${base}-labelled`;
  await python(
    `import sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
torch.manual_seed(3)
labels = {0: "negative", 1: "positive"}
m = AutoModelForSequenceClassification.from_pretrained(sys.argv[1], num_labels=2, id2label=labels,
    label2id={v: k for k, v in labels.items()}, ignore_mismatched_sizes=True)
m.save_pretrained(sys.argv[2]); AutoTokenizer.from_pretrained(sys.argv[1]).save_pretrained(sys.argv[2])`,
    base,
    out,
  );
  return Object.fromEntries(readdirSync(out).map((file) => [file, readFileSync(join(out, file))]));
}

/** A text dataset on the fake Hub: train.csv and validation.csv of `validation` rows. */
function reviewsDataset(validation: number): string {
  const dataset = `${TEST_USER}/${unique('reviews')}`;
  const folder = reviewsFolder(24, validation);
  const files = { 'train.csv': readFileSync(join(folder, 'train.csv')) };
  stack.fakes.hub.addDataset(dataset, {
    files: { ...files, 'validation.csv': readFileSync(join(folder, 'validation.csv')) },
  });
  return dataset;
}

function pipeline(dataset: string, overrides: Record<string, unknown> = {}) {
  const name = unique('at-rows');
  // Every project of this pipeline pushes the same model: the same model, measured on the same rows, twice.
  stack.fakes.autotrain.scripts.set(name, { outcome: 'success', buildMs: 50, runMs: 200, modelFiles: model });
  return pipelineSpec(
    { dataset },
    {
      name,
      task: 'text-classification',
      input_model: 'google-bert/bert-base-uncased',
      backend: { type: 'autotrain', valid_split: 'validation' },
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
      ...overrides,
    },
  );
}

const run = async (spec: ReturnType<typeof pipeline>, dataset: string) =>
  (await startRetrainRun(stack.client, stack.worker.taskQueue, spec, stack.fakes.hub.head(dataset))).result();

const registryFile = (spec: ReturnType<typeof pipeline>, revision: string, file: string) =>
  JSON.parse(readFileSync(join(stack.fakes.activityDeps.modelsDir, spec.name, revision, file), 'utf8')) as Record<
    string,
    unknown
  >;

/** More validation rows on main (labels that disagree with their text: harder for any model). */
function addHardRows(dataset: string): void {
  const head = stack.fakes.hub.repos.head('dataset', dataset);
  const rows = head.files.get('validation.csv')!.toString('utf8').trimEnd().split('\n');
  const flipped = rows
    .slice(1, 5)
    .map((r) => r.replace(/,(positive|negative)$/, (_, l) => `,${l === 'positive' ? 'negative' : 'positive'}`));
  stack.fakes.hub.commitFiles(
    'dataset',
    dataset,
    { 'validation.csv': `${[...rows, ...flipped].join('\n')}\n` },
    'hard rows',
  );
}

beforeAll(async () => {
  model = await labelledTinyModel();
}, 300_000);

test('both models are measured on the same rows of the run revision: the same model is not promoted', async () => {
  const dataset = reviewsDataset(8);
  const spec = pipeline(dataset);

  const first = await run(spec, dataset);
  expect(first.promotion).toMatchObject({ promoted: true, rows: 8, split: 'validation' });
  const firstRepo = `${TEST_USER}/${spec.name}-${first.revision.slice(0, 12)}`;
  // AutoTrain's pushed commit is recorded, as for Jobs: the model in service is measured at it later.
  expect(registryFile(spec, first.revision, 'model.json')).toEqual({
    model: firstRepo,
    revision: stack.fakes.hub.repos.head('model', firstRepo).sha,
  });
  expect(registryFile(spec, first.revision, 'comparison.json')).toMatchObject({ split: 'validation', current: null });

  addHardRows(dataset);
  const second = await run(spec, dataset);
  const comparison = registryFile(spec, second.revision, 'comparison.json') as {
    truth: string[];
    candidate: { predicted: string[] };
    current: { dir: string; predicted: string[] };
    selectedOn: string;
  };
  expect(comparison.truth).toHaveLength(12);
  expect(comparison.selectedOn).toBe('validation');
  expect(comparison.current.dir).toMatch(new RegExp(`/in-service/${first.revision}$`));
  // The same model, the same rows, the same code: the same predictions, so the same number and p = 1.
  expect(comparison.current.predicted).toEqual(comparison.candidate.predicted);
  expect(second.promotion).toMatchObject({ promoted: false, sameData: true, rows: 12, pValue: 1 });
  expect(second.promotion!.current).toBe(second.promotion!.candidate);
  expect(second.promotion!.reason).toContain(
    `for the model in service (${first.revision.slice(0, 7)}) on the same 12 validation rows (the split the best epoch was chosen on`,
  );
}, 300_000);

test('a model in service that cannot be downloaded is said so, and nothing is promoted on it', async () => {
  const dataset = reviewsDataset(8);
  const spec = pipeline(dataset);
  const first = await run(spec, dataset);
  expect(first.promotion).toMatchObject({ promoted: true });
  const firstRepo = `${TEST_USER}/${spec.name}-${first.revision.slice(0, 12)}`;
  stack.fakes.hub.repos.delete('model', firstRepo);

  addHardRows(dataset);
  const second = await run(spec, dataset);
  expect(second.promotion).toMatchObject({ promoted: false, sameData: false, rows: 12 });
  expect(second.promotion!.reason).toContain(
    `the model in service (${first.revision.slice(0, 7)}) could not be measured on these rows (cannot download ${firstRepo} at`,
  );
  expect(second.promotion!.reason).toContain('no comparison was made');
}, 300_000);

test('a model in service recorded without its commit falls back to its recorded number, said so', async () => {
  const dataset = reviewsDataset(8);
  const spec = pipeline(dataset);
  const first = await run(spec, dataset);
  const firstRepo = `${TEST_USER}/${spec.name}-${first.revision.slice(0, 12)}`;
  // As a run recorded before the pushed commit was: a pointer without `revision`, and the number it was trained with.
  const dir = join(stack.fakes.activityDeps.modelsDir, spec.name, first.revision);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ model: firstRepo }));
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.99 }));

  addHardRows(dataset);
  const second = await run(spec, dataset);
  // Four rows repeat others with the opposite label: no model scores above 8 of 12, below the 0.99 recorded.
  expect(second.promotion).toMatchObject({ promoted: false, sameData: false, current: 0.99, rows: 12 });
  expect(second.promotion!.reason).toContain(
    `for the model in service (${first.revision.slice(0, 7)}), as recorded when it was trained: measured on other data (the model in service ${firstRepo} was recorded without the commit its run pushed`,
  );
}, 300_000);

test('a pinned evaluation set that cannot be read is said so, and nothing is promoted', async () => {
  const dataset = reviewsDataset(8);
  const spec = pipeline(dataset);
  const first = await run(spec, dataset);
  expect(first.promotion).toMatchObject({ promoted: true });

  // The pipeline now pins an evaluation set the Hub does not hold (deleted, or never there).
  const gone = `${TEST_USER}/${unique('gone-eval')}`;
  const pinned = { ...spec, evaluation: { dataset: gone, revision: '0'.repeat(40) } };
  addHardRows(dataset);
  const second = await run(pinned, dataset);
  // AutoTrain trained, but the comparison the pipeline asked for could not be made: no fallback to recorded numbers.
  expect(second.promotion).toMatchObject({ promoted: false });
  expect(second.promotion!.reason).toMatch(
    new RegExp(
      `^not promoted: evaluation\\.dataset: the pinned evaluation set ${gone} at 0000000 cannot be read \\(.+\\); no comparison was made$`,
    ),
  );
  const dir = join(stack.fakes.activityDeps.modelsDir, spec.name);
  expect(existsSync(join(dir, second.revision, 'comparison.json'))).toBe(false);
  expect(readlinkSync(join(dir, 'current'))).toBe(first.revision);
}, 300_000);
