/**
 * The new model and the model in service, measured on the same rows by the same code (issue 23): the predictions
 * of both on the rows the promotion gate decides on, written to `comparison.json` beside metrics.json. The
 * service's gate (src/registry/promotion.ts) computes the metrics and the paired test from it.
 *
 * The decision rows: the pinned evaluation set (RETRAIN_EVAL_DATA_DIR: its test split, else validation, else
 * train); else the dataset's `test` split when the evaluation rows were `validation`; else the evaluation rows.
 * The model in service (RETRAIN_CURRENT_MODEL_DIR) that this trainer cannot load is said so, never a failure of
 * the run: `foreign` (another trainer's model), `unreadable` (missing or corrupt).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedDataset } from '../data/dataset';
import { loadPredictor, type PredictInput } from '../predict';
import type { TrainerEnv } from './env';
import { TrainerInputError } from './errors';
import type { TrainEvalSplit } from './eval-split';
import { MODEL_FILE, readModelManifestKind, writeJsonAtomically } from './model-files';
import type { Reporter } from './progress';

export const COMPARISON_FILE = 'comparison.json';

type Current =
  | { dir: string; labels: string[]; predicted: string[] }
  | { dir: string; status: 'foreign' | 'unreadable'; error: string };

export interface Comparison {
  version: 1;
  split: string;
  source: 'dataset' | 'evaluation.dataset';
  selectedOn: string | null;
  truth: string[];
  candidate: { labels: string[]; predicted: string[] };
  current: Current | null;
  /** Wall time of predicting the rows with each model. */
  seconds: { candidate: number; current: number | null };
}

export interface DecisionRows<T> {
  rows: T[];
  split: string;
  source: Comparison['source'];
}

/** The rows the gate decides on (see above). */
export async function decisionRows<T extends { label: string }>(
  env: Pick<TrainerEnv, 'evalDataDir'>,
  dataset: LoadedDataset<T>,
  split: TrainEvalSplit<T>,
  load: (dir: string) => Promise<LoadedDataset<T>>,
): Promise<DecisionRows<T>> {
  if (env.evalDataDir) {
    let pinned: LoadedDataset<T>;
    try {
      pinned = await load(env.evalDataDir);
    } catch (err) {
      throw new TrainerInputError(
        `RETRAIN_EVAL_DATA_DIR: the pinned evaluation set cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    for (const name of ['test', 'validation', 'train'] as const) {
      const rows = pinned.splits[name] ?? [];
      if (rows.length > 0) return { rows, split: name, source: 'evaluation.dataset' };
    }
    throw new TrainerInputError('RETRAIN_EVAL_DATA_DIR: the pinned evaluation set has no labelled rows');
  }
  const test = dataset.splits.test ?? [];
  if (split.evalSource === 'validation' && test.length > 0) return { rows: test, split: 'test', source: 'dataset' };
  return { rows: split.eval, split: split.evalSource, source: 'dataset' };
}

/** Predicts the decision rows with the saved model and with the model in service, and writes comparison.json. */
export async function writeComparison<T extends { label: string }>(input: {
  env: TrainerEnv;
  decision: DecisionRows<T>;
  inputOf: (row: T) => PredictInput;
  report: Reporter;
}): Promise<Comparison> {
  const { env, decision, inputOf } = input;
  const started = performance.now();
  const candidate = await predictAll(env.outputDir, decision.rows, inputOf);
  const candidateSeconds = (performance.now() - started) / 1000;
  let current: Current | null = null;
  let currentSeconds: number | null = null;
  if (env.currentModelDir) {
    input.report({
      progress: 0.95,
      message: `measuring the model in service on the same ${decision.rows.length} ${decision.split} rows`,
    });
    const from = performance.now();
    current = await measureCurrent(env.currentModelDir, env.task, decision.rows, inputOf);
    currentSeconds = (performance.now() - from) / 1000;
  }
  const comparison: Comparison = {
    version: 1,
    split: decision.split,
    source: decision.source,
    selectedOn: null, // the baseline trains a fixed number of epochs: no split chooses among them
    truth: decision.rows.map((row) => row.label),
    candidate,
    current,
    seconds: { candidate: round(candidateSeconds), current: currentSeconds === null ? null : round(currentSeconds) },
  };
  await writeJsonAtomically(join(env.outputDir, COMPARISON_FILE), comparison);
  return comparison;
}

async function predictAll<T>(
  dir: string,
  rows: readonly T[],
  inputOf: (row: T) => PredictInput,
): Promise<{ labels: string[]; predicted: string[] }> {
  const predictor = await loadPredictor(dir);
  const predicted: string[] = [];
  for (const row of rows) predicted.push((await predictor.predict(inputOf(row))).label);
  return { labels: predictor.labels, predicted };
}

async function measureCurrent<T>(
  dir: string,
  task: TrainerEnv['task'],
  rows: readonly T[],
  inputOf: (row: T) => PredictInput,
): Promise<Current> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { dir, status: 'unreadable', error: `the model folder ${dir} does not exist` };
  }
  const kind = readModelManifestKind(dir);
  if (kind.kind === 'foreign') return { dir, status: 'foreign', error: kind.why };
  if (kind.kind === 'missing') {
    if (existsSync(join(dir, 'config.json')))
      return { dir, status: 'foreign', error: 'a transformers model, which the TypeScript baseline does not load' };
    return { dir, status: 'unreadable', error: `${dir} has no ${MODEL_FILE}` };
  }
  if (kind.task !== undefined && kind.task !== task)
    return { dir, status: 'foreign', error: `a ${kind.task} model, not ${task}` };
  try {
    return { dir, ...(await predictAll(dir, rows, inputOf)) };
  } catch (err) {
    return {
      dir,
      status: 'unreadable',
      error: `cannot load ${dir}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;
