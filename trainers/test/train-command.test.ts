import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '../core/model-files';
import type { MetricsReport } from '../core/train-classifier';
import { predict } from '../predict';
import { BASELINE_OUTPUT_FILES, jsonLines, runTrainerCommand, type CommandResult } from './helpers/run-command';
import { syntheticTickets, toCsv } from './helpers/synthetic-text';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('command');

describe('the train command', () => {
  let dataDir: string;
  let outputDir: string;
  let result: CommandResult;

  beforeAll(async () => {
    dataDir = await writeFiles(newDir(), {
      'train.csv': toCsv(syntheticTickets(200, 1), ['text', 'label']),
      'test.csv': toCsv(syntheticTickets(60, 2), ['text', 'label']),
    });
    outputDir = join(newDir(), 'nested', 'model'); // a folder that does not exist yet
    result = await runTrainerCommand('train', [], {
      RETRAIN_DATA_DIR: dataDir,
      RETRAIN_OUTPUT_DIR: outputDir,
      RETRAIN_TASK: 'text-classification',
      RETRAIN_BASE_MODEL: 'distilbert/distilbert-base-uncased',
      RETRAIN_PARAMS: JSON.stringify({ seed: 7, epochs: 5 }),
    });
  });

  it('exits 0 and prints only JSON progress lines, rising from 0 to 1', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(Object.keys(line).every((key) => ['progress', 'message', 'metrics'].includes(key))).toBe(true);
    }
    const progress = lines.map((line) => line.progress).filter((p): p is number => typeof p === 'number');
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p >= progress[i - 1]!))).toBe(true);
    expect(lines.filter((line) => /^epoch \d+\/5$/.test(String(line.message)))).toHaveLength(5);
  });

  it('writes the model files and metrics.json, whose numbers the last progress line repeats', async () => {
    expect((await readdir(outputDir)).sort()).toEqual(BASELINE_OUTPUT_FILES);
    const metrics = JSON.parse(await readFile(join(outputDir, 'metrics.json'), 'utf8')) as MetricsReport;
    expect(metrics).toMatchObject({
      task: 'text-classification',
      eval_split: 'test',
      eval_rows: 60,
      train_rows: 200,
      labels: ['billing', 'delivery', 'technical'],
      base_model: 'distilbert/distilbert-base-uncased',
      hyperparameters: { seed: 7, epochs: 5 },
    });
    const last = jsonLines(result.stdout).at(-1)?.metrics as Record<string, number>;
    expect(last.accuracy).toBeCloseTo(metrics.accuracy, 4);
    expect(last.baseline_accuracy).toBeCloseTo(metrics.baseline_accuracy, 4);
    const manifest = JSON.parse(await readFile(join(outputDir, 'model.json'), 'utf8')) as ModelManifest;
    expect(manifest).toMatchObject({
      task: 'text-classification',
      labels: metrics.labels,
      base_model: metrics.base_model,
    });
  });

  it('predict, as a command and as a function, gives the same answer from the saved model', async () => {
    for (const text of ['I was charged twice for one order', 'the app crashes on login again']) {
      const cli = await runTrainerCommand('predict', [outputDir, text]);
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout)).toEqual(await predict(outputDir, text));
    }
    expect((await predict(outputDir, 'I was charged twice for one order')).label).toBe('billing');
  });
});

describe('the train command fails with exit code 2 and a message on stderr', () => {
  const cases: [string, () => Record<string, string> | Promise<Record<string, string>>, RegExp][] = [
    [
      'without a task',
      () => ({ RETRAIN_DATA_DIR: newDir(), RETRAIN_OUTPUT_DIR: newDir() }),
      /RETRAIN_TASK: expected one of text-classification, image-classification/,
    ],
    [
      'for a data folder that does not exist',
      () => ({
        RETRAIN_DATA_DIR: '/nonexistent/data',
        RETRAIN_OUTPUT_DIR: newDir(),
        RETRAIN_TASK: 'text-classification',
      }),
      /RETRAIN_DATA_DIR: \/nonexistent\/data is not a folder/,
    ],
    [
      'for a misspelt parameter',
      async () => ({
        RETRAIN_DATA_DIR: await writeFiles(newDir(), {}),
        RETRAIN_OUTPUT_DIR: newDir(),
        RETRAIN_TASK: 'text-classification',
        RETRAIN_PARAMS: '{"epoch": 3}',
      }),
      /RETRAIN_PARAMS\.epoch: unknown key/,
    ],
    [
      'for a dataset it cannot use',
      async () => ({
        RETRAIN_DATA_DIR: await writeFiles(newDir(), { 'train.csv': 'text,label\nonly,one\nclass,one\n' }),
        RETRAIN_OUTPUT_DIR: newDir(),
        RETRAIN_TASK: 'text-classification',
      }),
      /the training rows hold one class only \("one"\); a classifier needs at least two/,
    ],
  ];
  it.each(cases)('%s', async (_name, env, message) => {
    const failed = await runTrainerCommand('train', [], await env());
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(new RegExp(`^error: ${message.source}`));
    expect(jsonLines(failed.stdout).at(-1)?.message).toMatch(/^failed: /);
  });

  it('predict on a folder that holds no model', async () => {
    const failed = await runTrainerCommand('predict', [await writeFiles(newDir(), {}), 'hello']);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(
      /^error: .*model\.json: not found; expected a model folder written by the default trainers/,
    );
  });
});
