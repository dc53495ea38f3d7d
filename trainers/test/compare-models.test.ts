/**
 * comparison.json (issue 23): the baseline measures the new model and the model in service on the same rows with
 * the same prediction code, on the split the gate decides on, and says so when it cannot load the one in service.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { COMPARISON_FILE, type Comparison } from '../core/compare-models';
import { TrainerInputError } from '../core/errors';
import { parseParams, type TrainerEnv } from '../core/env';
import { train } from '../train';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('compare-models');
const REVIEWS = resolve(__dirname, '../../examples/datasets/product-reviews');

async function reviews(extra: Record<string, string> = {}): Promise<string> {
  const dir = newDir();
  await mkdir(dir, { recursive: true });
  for (const file of ['train.csv', 'validation.csv']) await copyFile(join(REVIEWS, file), join(dir, file));
  return writeFiles(dir, extra);
}

function env(dataDir: string, extra: Partial<TrainerEnv> = {}): TrainerEnv {
  return { dataDir, outputDir: newDir(), task: 'text-classification', params: parseParams('{}'), ...extra };
}

async function comparisonOf(e: TrainerEnv): Promise<Comparison> {
  await train(e);
  return JSON.parse(await readFile(join(e.outputDir, COMPARISON_FILE), 'utf8')) as Comparison;
}

describe('comparison.json', () => {
  it('measures the model in service on the same rows with the same code: the same model predicts the same', async () => {
    const data = await reviews();
    const first = env(data);
    const alone = await comparisonOf(first);
    expect(alone).toMatchObject({
      version: 1,
      split: 'validation',
      source: 'dataset',
      selectedOn: null,
      current: null,
    });
    expect(alone.truth).toHaveLength(200);
    expect(alone.candidate.predicted).toHaveLength(200);
    expect(alone.candidate.labels).toEqual(['negative', 'neutral', 'positive']);

    const paired = await comparisonOf(env(data, { currentModelDir: first.outputDir }));
    expect(paired.truth).toEqual(alone.truth);
    expect(paired.current).toEqual({ dir: first.outputDir, ...alone.candidate });
  });

  it('decides on the test split when the dataset has one (validation stays the evaluation split)', async () => {
    const validation = await readFile(join(REVIEWS, 'validation.csv'), 'utf8');
    const data = await reviews({ 'test.csv': validation.split('\n').slice(0, 51).join('\n') });
    const e = env(data);
    const c = await comparisonOf(e);
    expect(c).toMatchObject({ split: 'test', source: 'dataset' });
    expect(c.truth).toHaveLength(50);
    const metrics = JSON.parse(await readFile(join(e.outputDir, 'metrics.json'), 'utf8')) as { eval_split: string };
    expect(metrics.eval_split).toBe('validation');
  });

  it('says when it cannot load the model in service, and the run still succeeds', async () => {
    const data = await reviews();
    const transformers = await writeFiles(newDir(), {
      'config.json': '{"architectures": ["BertForSequenceClassification"]}',
    });
    const pointer = await writeFiles(newDir(), { 'model.json': '{"model": "acme/reviews-model"}' });
    const corrupt = env(data);
    await train(corrupt);
    await writeFile(join(corrupt.outputDir, 'weights.bin'), 'not weights');
    const cases: [string, string, string][] = [
      [join(newDir(), 'gone'), 'unreadable', 'does not exist'],
      [transformers, 'foreign', 'a transformers model'],
      [pointer, 'foreign', 'a pointer to the Hub model acme/reviews-model'],
      [corrupt.outputDir, 'unreadable', 'weights.bin: expected'],
    ];
    for (const [dir, status, words] of cases) {
      const { current } = await comparisonOf(env(data, { currentModelDir: dir }));
      expect(current).toMatchObject({ dir, status });
      expect(current && 'error' in current ? current.error : '').toContain(words);
    }
  });

  it('decides on a pinned evaluation set; one that cannot be read fails before training', async () => {
    const data = await reviews();
    const pinned = await writeFiles(newDir(), {
      'test.csv': 'review,label\nbroke after a day,negative\nworks as described,positive\nit is fine,neutral\n',
    });
    const c = await comparisonOf(env(data, { evalDataDir: pinned }));
    expect(c).toMatchObject({
      source: 'evaluation.dataset',
      split: 'test',
      truth: ['negative', 'positive', 'neutral'],
    });

    const lines: string[] = [];
    const missing = env(data, { evalDataDir: join(newDir(), 'nowhere') });
    await expect(train(missing, (line) => lines.push(line.message ?? ''))).rejects.toThrow(TrainerInputError);
    await expect(train(missing)).rejects.toThrow(/^RETRAIN_EVAL_DATA_DIR: the pinned evaluation set cannot be read/);
    expect(lines.filter((l) => l.startsWith('epoch'))).toEqual([]);
  });
});
