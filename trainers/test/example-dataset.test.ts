import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsReport } from '../core/train-classifier';
import { loadTextDataset } from '../data/load-text';
import { tokenize } from '../text/tfidf';
import { runTrainerCommand } from './helpers/run-command';
import { useTempDir } from './helpers/temp-dir';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'datasets', 'product-reviews');
const newDir = useTempDir('example');

describe('the bundled product-reviews example', () => {
  let metrics: MetricsReport;
  let seconds: number;

  beforeAll(async () => {
    const outputDir = newDir();
    const started = performance.now();
    const result = await runTrainerCommand('train', [], {
      RETRAIN_DATA_DIR: EXAMPLE,
      RETRAIN_OUTPUT_DIR: outputDir,
      RETRAIN_TASK: 'text-classification',
    });
    seconds = (performance.now() - started) / 1000;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    metrics = JSON.parse(await readFile(join(outputDir, 'metrics.json'), 'utf8')) as MetricsReport;
  });

  it('trains in well under a minute', () => {
    expect(seconds).toBeLessThan(60);
  });

  it('is evaluated on its own validation split and beats the majority baseline clearly', () => {
    expect(metrics).toMatchObject({ eval_split: 'validation', train_rows: 600, eval_rows: 200 });
    expect(metrics.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(metrics.baseline_accuracy + 0.3);
    expect(metrics.macro_f1).toBeGreaterThanOrEqual(0.7);
  });

  it('cannot be solved by one keyword: the best single-word rule trails the model by far', async () => {
    const data = await loadTextDataset(EXAMPLE);
    const validation = data.splits.validation ?? [];
    const tokens = validation.map((row) => new Set(tokenize(row.text)));
    const vocabulary = new Set((data.splits.train ?? []).flatMap((row) => tokenize(row.text)));
    let best = 0;
    // "word present => class, otherwise the majority class", scored on validation itself (an optimistic bound).
    for (const word of vocabulary) {
      for (const label of metrics.labels) {
        const hits = validation.filter(
          (row, i) => (tokens[i]!.has(word) ? label : metrics.baseline_label) === row.label,
        ).length;
        best = Math.max(best, hits / validation.length);
      }
    }
    expect(best).toBeLessThanOrEqual(metrics.accuracy - 0.2);
  });

  it('is exactly what its generator writes', async () => {
    const dir = newDir();
    execFileSync(process.execPath, [join(EXAMPLE, 'generate.mjs'), dir]);
    for (const file of ['train.csv', 'validation.csv']) {
      expect(await readFile(join(dir, file), 'utf8')).toBe(await readFile(join(EXAMPLE, file), 'utf8'));
    }
  });
});
