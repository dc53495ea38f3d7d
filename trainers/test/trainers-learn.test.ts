import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseParams, type TrainerEnv } from '../core/env';
import { METRICS_FILE, WEIGHTS_FILE } from '../core/model-files';
import type { Task } from '../core/params';
import type { MetricsReport } from '../core/train-classifier';
import { loadImageDataset } from '../data/load-images';
import { loadPredictor } from '../predict';
import { train } from '../train';
import { writeImageFolders } from './helpers/synthetic-images';
import { syntheticTickets, toCsv } from './helpers/synthetic-text';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('learn');

function envFor(task: Task, dataDir: string, params: object = {}): TrainerEnv {
  return { task, dataDir, outputDir: newDir(), baseModel: 'org/base', params: parseParams(JSON.stringify(params)) };
}

async function ticketDataset(options: { train: number; validation?: number; seed?: number }): Promise<string> {
  const files: Record<string, string> = {
    'train.csv': toCsv(syntheticTickets(options.train, options.seed ?? 1), ['text', 'label']),
  };
  if (options.validation) files['validation.csv'] = toCsv(syntheticTickets(options.validation, 99), ['text', 'label']);
  return writeFiles(newDir(), files);
}

describe('the default text trainer', () => {
  it('learns: accuracy on held-out rows clears the majority baseline by a wide margin', async () => {
    const metrics = await train(envFor('text-classification', await ticketDataset({ train: 300, validation: 150 })));
    expect(metrics.eval_split).toBe('validation');
    expect(metrics.eval_rows).toBe(150);
    expect(metrics.baseline_accuracy).toBeGreaterThan(0.4);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(metrics.baseline_accuracy + 0.3);
    expect(metrics.macro_f1).toBeGreaterThan(metrics.baseline_macro_f1 + 0.3);
    expect(Object.keys(metrics.per_class)).toEqual(['billing', 'delivery', 'technical']);
    const supports = Object.values(metrics.per_class).map((c) => c.support);
    expect(supports.reduce((a, b) => a + b)).toBe(150);
  });

  it('holds out a seeded, stratified share of train when the dataset has no validation or test split', async () => {
    const metrics = await train(
      envFor('text-classification', await ticketDataset({ train: 300 }), { eval_fraction: 0.25 }),
    );
    expect(metrics.eval_split).toBe('train (seeded 25% hold-out)');
    expect(metrics.train_rows + metrics.eval_rows).toBe(300);
    for (const counts of Object.values(metrics.per_class)) {
      expect(counts.support).toBe(Math.round((counts.support + counts.train_rows) * 0.25));
    }
    expect(metrics.accuracy).toBeGreaterThanOrEqual(metrics.baseline_accuracy + 0.2);
  });

  it('gives the same model and metrics for the same seed', async () => {
    const dataDir = await ticketDataset({ train: 200 });
    const runs = [envFor('text-classification', dataDir), envFor('text-classification', dataDir)];
    const [a, b] = await Promise.all(runs.map((env) => train(env)));
    expect(stable(a!)).toEqual(stable(b!));
    const [wa, wb] = await Promise.all(runs.map((env) => readFile(join(env.outputDir, WEIGHTS_FILE))));
    expect(wa!.equals(wb!)).toBe(true);
  });

  it('saves a model that, loaded again, predicts exactly what was evaluated', async () => {
    const env = envFor('text-classification', await ticketDataset({ train: 200, validation: 80 }));
    const metrics = await train(env);
    const written = JSON.parse(await readFile(join(env.outputDir, METRICS_FILE), 'utf8')) as MetricsReport;
    expect(written).toEqual(metrics);

    const predictor = await loadPredictor(env.outputDir);
    expect(predictor.labels).toEqual(metrics.labels);
    const validation = syntheticTickets(80, 99);
    const predicted = await Promise.all(validation.map((row) => predictor.predict(row.text)));
    expect(
      confusion(
        metrics.labels,
        validation.map((r) => r.label),
        predicted.map((p) => p.label),
      ),
    ).toEqual(metrics.confusion.matrix);
    const scores = Object.values(predicted[0]!.scores);
    expect(scores.reduce((x, y) => x + y)).toBeCloseTo(1, 6);
  });
});

describe('the trainers refuse data they cannot learn from', () => {
  it('rejects texts that hold no words', async () => {
    const dir = await writeFiles(newDir(), { 'train.csv': 'text,label\n...,a\n---,b\n"...",a\n:-,b\n' });
    await expect(train(envFor('text-classification', dir))).rejects.toThrow(/the training rows yield no features/);
  });
});

describe('the default image trainer', () => {
  it('learns shapes drawn in random colours well above the majority baseline, and reloads', async () => {
    const dataDir = newDir();
    await writeImageFolders(dataDir, { train: 20, validation: 10 }, 5);
    const env = envFor('image-classification', dataDir, { seed: 3 });
    const metrics = await train(env);
    expect(metrics.eval_split).toBe('validation');
    expect(metrics.baseline_accuracy).toBeCloseTo(1 / 3, 5);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(metrics.baseline_accuracy + 0.3);

    const predictor = await loadPredictor(env.outputDir);
    const validation = (await loadImageDataset(dataDir)).splits.validation ?? [];
    const predicted = await Promise.all(
      validation.map((row) => predictor.predict('path' in row.image ? row.image.path : row.image.bytes)),
    );
    expect(
      confusion(
        metrics.labels,
        validation.map((r) => r.label),
        predicted.map((p) => p.label),
      ),
    ).toEqual(metrics.confusion.matrix);
  });
});

/** Metrics without the wall-clock time. */
function stable(metrics: MetricsReport): Omit<MetricsReport, 'train_seconds'> {
  const { train_seconds: _seconds, ...rest } = metrics;
  return rest;
}

function confusion(labels: readonly string[], truth: readonly string[], predicted: readonly string[]): number[][] {
  const matrix = labels.map(() => labels.map(() => 0));
  truth.forEach((t, i) => matrix[labels.indexOf(t)]![labels.indexOf(predicted[i]!)]!++);
  return matrix;
}
