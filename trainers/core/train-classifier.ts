import { join } from 'node:path';
import type { LoadedDataset } from '../data/dataset';
import type { TrainerEnv } from './env';
import { TrainerInputError } from './errors';
import type { PredictInput } from '../predict';
import { decisionRows, writeComparison } from './compare-models';
import { chooseEvalSplit } from './eval-split';
import { evaluate, type EvaluationMetrics } from './metrics';
import { METRICS_FILE, MODEL_FORMAT, saveModel, writeJsonAtomically } from './model-files';
import { stage, type Reporter } from './progress';
import { argmax, trainSoftmax, type FeatureVector } from './softmax-regression';

/** Feature vectors for both splits, and the state that turns a new input into the same features. */
export interface Featurized {
  trainX: FeatureVector[];
  evalX: FeatureVector[];
  numFeatures: number;
  state: unknown;
}

export type Featurize<T> = (
  train: readonly T[],
  evalRows: readonly T[],
  progress: (fraction: number, message?: string) => void,
) => Promise<Featurized>;

export interface ClassifierDefaults {
  epochs: number;
  learningRate: number;
  l2: number;
}

/** `metrics.json`: the top-level numbers are the metrics; the objects are detail for people. */
export interface MetricsReport extends EvaluationMetrics {
  task: TrainerEnv['task'];
  train_rows: number;
  num_classes: number;
  num_features: number;
  train_seconds: number;
  eval_split: string;
  labels: string[];
  base_model?: string;
  hyperparameters: { seed: number; epochs: number; learning_rate: number; l2: number; class_weight: string };
  dataset: Pick<LoadedDataset<unknown>, 'files' | 'ignoredFiles' | 'skippedRows' | 'columns'>;
}

/**
 * The part both default trainers share: hold out the evaluation rows, featurize, fit the softmax regression,
 * evaluate against the majority baseline, write the model and `metrics.json`.
 */
export async function trainClassifier<T extends { label: string }>(input: {
  env: TrainerEnv;
  dataset: LoadedDataset<T>;
  featurize: Featurize<T>;
  defaults: ClassifierDefaults;
  report: Reporter;
  /** Loads another folder as this task's dataset (the pinned evaluation set). */
  load: (dir: string) => Promise<LoadedDataset<T>>;
  /** What `predict` takes for a row: its text, or its image's path or bytes. */
  inputOf: (row: T) => PredictInput;
}): Promise<MetricsReport> {
  const started = performance.now();
  const { env, dataset, report } = input;
  const { params } = env;
  const split = chooseEvalSplit(dataset, { evalFraction: params.eval_fraction, seed: params.seed });
  const labels = classLabels(split.train.map((row) => row.label));
  // Before training: a pinned evaluation set that cannot be read fails the run now, not after the work.
  const decision = await decisionRows(env, dataset, split, input.load);
  report({
    progress: 0.1,
    message: `${split.train.length} training rows, ${split.eval.length} evaluation rows (${split.evalSource}), ${labels.length} classes`,
  });

  const features = await input.featurize(split.train, split.eval, stage(report, 0.1, 0.4));
  if (features.numFeatures === 0) {
    throw new TrainerInputError('the training rows yield no features (are the texts empty or all punctuation?)');
  }
  const hyper = {
    seed: params.seed,
    epochs: params.epochs ?? input.defaults.epochs,
    learning_rate: params.learning_rate ?? input.defaults.learningRate,
    l2: params.l2 ?? input.defaults.l2,
    class_weight: params.class_weight,
  };
  const index = new Map(labels.map((label, i) => [label, i]));
  const ys = split.train.map((row) => index.get(row.label) ?? 0);
  const classifier = trainSoftmax(features.trainX, ys, features.numFeatures, labels.length, {
    epochs: hyper.epochs,
    learningRate: hyper.learning_rate,
    l2: hyper.l2,
    seed: params.seed,
    classWeights: params.class_weight === 'balanced' ? balancedWeights(ys, labels.length) : undefined,
    onEpoch: (epoch, loss) =>
      report({
        progress: 0.4 + (0.5 * epoch) / hyper.epochs,
        message: `epoch ${epoch}/${hyper.epochs}`,
        metrics: { epoch, train_loss: round(loss) },
      }),
  });

  const predicted = features.evalX.map((x) => labels[argmax(classifier.probabilities(x))] ?? '');
  const evaluation = evaluate(
    split.train.map((row) => row.label),
    split.eval.map((row) => row.label),
    predicted,
  );
  await saveModel(env.outputDir, {
    manifest: {
      format: MODEL_FORMAT,
      version: 1,
      task: env.task,
      labels,
      num_features: features.numFeatures,
      base_model: env.baseModel,
      features_file: 'features.json',
      weights_file: 'weights.bin',
      seed: params.seed,
    },
    features: features.state,
    classifier,
  });
  // Both models on the same rows, by the same code (the service's gate reads comparison.json).
  await writeComparison({ env, decision, inputOf: input.inputOf, report });
  const metrics: MetricsReport = {
    task: env.task,
    ...evaluation,
    train_rows: split.train.length,
    num_classes: labels.length,
    num_features: features.numFeatures,
    train_seconds: round((performance.now() - started) / 1000),
    eval_split: split.evalSource,
    labels,
    base_model: env.baseModel,
    hyperparameters: hyper,
    dataset: {
      files: dataset.files,
      ignoredFiles: dataset.ignoredFiles,
      skippedRows: dataset.skippedRows,
      columns: dataset.columns,
    },
  };
  await writeJsonAtomically(join(env.outputDir, METRICS_FILE), metrics);
  report({ progress: 1, message: 'done', metrics: summary(metrics) });
  return metrics;
}

/** The numeric metrics, for the last progress line (a backend's status holds numbers only). */
export function summary(metrics: MetricsReport): Record<string, number> {
  return {
    accuracy: round(metrics.accuracy),
    macro_f1: round(metrics.macro_f1),
    baseline_accuracy: round(metrics.baseline_accuracy),
    eval_rows: metrics.eval_rows,
    train_rows: metrics.train_rows,
  };
}

function classLabels(trainLabels: readonly string[]): string[] {
  const labels = [...new Set(trainLabels)].sort();
  if (labels.length < 2) {
    throw new TrainerInputError(
      `the training rows hold ${labels.length === 0 ? 'no labels' : `one class only ("${labels[0]}")`}; ` +
        'a classifier needs at least two',
    );
  }
  // A float or id column picked as the label gives a class per row: that is not a classification dataset.
  if (labels.length > 20 && labels.length > trainLabels.length / 2) {
    throw new TrainerInputError(
      `the label column has ${labels.length} distinct values in ${trainLabels.length} rows; ` +
        'expected class names (name the right column with RETRAIN_PARAMS.label_column)',
    );
  }
  return labels;
}

function balancedWeights(ys: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const y of ys) counts[y]!++;
  return counts.map((c) => (c > 0 ? ys.length / (classes * c) : 0));
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
