/**
 * Parquet datasets, through the `inspect` and `train` commands: hyparquet is ESM-only, which jest cannot load
 * on Node 20, so these run where the trainers really run, in a child process.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../core/random';
import type { DatasetSummary } from '../inspect';
import { writeParquet } from './helpers/parquet';
import { BASELINE_OUTPUT_FILES, jsonLines, runTrainerCommand } from './helpers/run-command';
import { SHAPES, syntheticImage } from './helpers/synthetic-images';
import { CATEGORIES, syntheticTickets } from './helpers/synthetic-text';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('parquet');
const TICKET_NAMES = Object.keys(CATEGORIES);

async function inspect(dir: string, task = 'text-classification', params = '{}'): Promise<DatasetSummary> {
  const result = await runTrainerCommand('inspect', [dir, '--task', task, '--params', params]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as DatasetSummary;
}

function writeTickets(path: string, count: number, seed: number): void {
  const rows = syntheticTickets(count, seed);
  writeParquet(
    path,
    [
      { name: 'text', type: 'STRING', data: rows.map((r) => r.text) },
      { name: 'label', type: 'INT64', data: rows.map((r) => TICKET_NAMES.indexOf(r.label)) },
    ],
    { label: TICKET_NAMES },
  );
}

describe('Parquet datasets', () => {
  it('reads the Hub layout: split from data/<split>-00000-of-00001.parquet, class names from the metadata', async () => {
    const dir = await writeFiles(newDir(), { 'README.md': '---\nlicense: mit\n---\n' });
    writeTickets(join(dir, 'data', 'train-00000-of-00001.parquet'), 40, 1);
    writeTickets(join(dir, 'data', 'validation-00000-of-00001.parquet'), 10, 2);
    const summary = await inspect(dir);
    expect(summary.files).toEqual({
      train: ['data/train-00000-of-00001.parquet'],
      validation: ['data/validation-00000-of-00001.parquet'],
    });
    expect(summary.columns).toEqual({ text: 'text', label: 'label' });
    expect(summary.eval_split).toBe('validation');
    expect(summary.splits.train?.rows).toBe(40);
    expect(Object.keys(summary.splits.train?.labels ?? {}).sort()).toEqual(TICKET_NAMES);
  });

  it('uses the columns named in the parameters', async () => {
    const dir = newDir();
    writeParquet(join(dir, 'train.parquet'), [
      { name: 'review', type: 'STRING', data: ['good', 'bad', 'great', 'awful', null] },
      { name: 'stars', type: 'INT64', data: [5, 1, 5, 1, 3] },
      { name: 'label', type: 'STRING', data: ['a', 'b', 'c', 'd', 'e'] },
    ]);
    const summary = await inspect(dir, 'text-classification', '{"text_column":"review","label_column":"stars"}');
    expect(summary.columns).toEqual({ text: 'review', label: 'stars' });
    expect(summary.splits.train).toEqual({ rows: 4, labels: { '5': 2, '1': 2 } });
    expect(summary.skipped_rows).toEqual({ train: 1 });
  });

  it('reads an image column of {bytes, path} structs', async () => {
    const dir = newDir();
    const random = seededRandom(2);
    const images = await Promise.all(SHAPES.flatMap((shape) => [0, 1].map(() => syntheticImage(shape, random))));
    writeParquet(
      join(dir, 'train.parquet'),
      [
        { name: 'img', type: 'IMAGE', data: images.map((bytes, i) => ({ bytes, path: `${i}.png` })) },
        { name: 'label', type: 'INT64', data: images.map((_, i) => Math.floor(i / 2)) },
      ],
      { label: [...SHAPES] },
    );
    const summary = await inspect(dir, 'image-classification');
    expect(summary.columns).toEqual({ image: 'img', label: 'label' });
    expect(summary.splits.train).toEqual({ rows: 6, labels: { checks: 2, disc: 2, stripes: 2 } });
  });

  it('reads files written by the datasets library itself (snappy, zstd, the Image struct)', async () => {
    const fixtures = join(__dirname, 'fixtures', 'hub-parquet');
    const text = await inspect(join(fixtures, 'text'));
    expect(text.splits).toEqual({
      train: { rows: 18, labels: { negative: 9, positive: 9 } },
      test: { rows: 6, labels: { negative: 3, positive: 3 } },
    });
    expect(text.eval_split).toBe('test');
    expect((await inspect(join(fixtures, 'zstd'))).splits).toEqual({ train: text.splits.train });
    const images = await inspect(join(fixtures, 'images'), 'image-classification');
    expect(images.splits).toEqual({ train: { rows: 6, labels: { red: 3, blue: 3 } } });
    expect(images.columns).toEqual({ image: 'image', label: 'label' });
  });

  it('names a file that is not Parquet', async () => {
    const dir = await writeFiles(newDir(), { 'train.parquet': 'PAR1 but not really' });
    const result = await runTrainerCommand('inspect', [dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: train\.parquet: not a readable Parquet file/);
  });
});

describe('the train command on Parquet', () => {
  it('trains an image model from Parquet bytes and writes its metrics', async () => {
    const dataDir = newDir();
    const random = seededRandom(4);
    for (const [split, perClass] of [
      ['train', 16],
      ['test', 8],
    ] as const) {
      const shapes = SHAPES.flatMap((shape) => Array.from({ length: perClass }, () => shape));
      const images = await Promise.all(shapes.map((shape) => syntheticImage(shape, random, 'jpeg')));
      writeParquet(
        join(dataDir, 'data', `${split}-00000-of-00001.parquet`),
        [
          { name: 'image', type: 'IMAGE', data: images.map((bytes) => ({ bytes, path: null })) },
          { name: 'label', type: 'INT64', data: shapes.map((shape) => SHAPES.indexOf(shape)) },
        ],
        { label: [...SHAPES] },
      );
    }
    const outputDir = newDir();
    const result = await runTrainerCommand('train', [], {
      RETRAIN_DATA_DIR: dataDir,
      RETRAIN_OUTPUT_DIR: outputDir,
      RETRAIN_TASK: 'image-classification',
      RETRAIN_PARAMS: '{"seed": 1}',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const last = jsonLines(result.stdout).at(-1);
    expect(last).toMatchObject({ progress: 1, message: 'done' });
    const metrics = (last?.metrics ?? {}) as Record<string, number>;
    expect(metrics.eval_rows).toBe(24);
    expect(metrics.accuracy).toBeGreaterThanOrEqual((metrics.baseline_accuracy ?? 1) + 0.2);
    expect((await readdir(outputDir)).sort()).toEqual(BASELINE_OUTPUT_FILES);
  });
});
