/**
 * Benchmark 8: the trainers. Each run is the trainer command as the local backend starts it (a child process,
 * the RETRAIN_* environment), on the CPU, interleaved so the machine's load falls on all of them alike:
 *
 * - the fixed cost of a Python training run: the interpreter alone, then the interpreter with torch,
 *   transformers and datasets imported, then what the trainer itself reports as `startup_seconds` (reading
 *   the environment and the dataset, imports, loading the base model, tokenising);
 * - seconds per epoch of the tiny test models (a 2-layer BERT on the bundled product reviews, 600 + 200; a
 *   2-layer ViT on 200 + 40 colour swatches) and, for what a real base model costs, the same architecture and
 *   dimensions as bert-base (12 × 768, 128 tokens) and vit-base-patch16-224 with random weights on a few rows;
 * - the TypeScript baseline on the same data: its wall time and `train_seconds` (featurising and fitting).
 *
 *   tsx bench/trainers.bench.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformersTrainer } from '../src/backends/transformers-trainer';
import { defaultTrainerCommand } from '../src/backends/local/default-trainer';
import { swatchesFolder, tinyModel } from '../test/helpers/transformers';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, ROOT, WORK } from './lib/stack';
import { spread, type Spread } from './lib/stats';

const FULL = { reps: 3, baseRows: { text: 48, image: 24 } };
const QUICK: typeof FULL = { reps: 1, baseRows: { text: 16, image: 8 } };

export interface TrainerRun {
  wallSeconds: number;
  /** From metrics.json: the trainer's own split of its time. */
  startupSeconds?: number;
  trainSeconds?: number;
  secondsPerEpoch?: number;
  epochs?: number;
  trainRows?: number;
  accuracy?: number;
  baselineAccuracy?: number;
}

export interface TrainerCase {
  name: string;
  trainer: 'transformers' | 'baseline';
  task: string;
  model: string;
  data: string;
  runs: TrainerRun[];
  wall: Spread;
  startup?: Spread;
  perEpoch?: Spread;
}

export interface TrainersResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  versions: Record<string, string>;
  /** Seconds: `python -c pass`, and `python -c "import torch, transformers, datasets"`. */
  interpreter: Spread;
  imports: Spread;
  cases: TrainerCase[];
}

const trainer = transformersTrainer();

function timed(command: string[], env: Record<string, string> = {}): { seconds: number; stdout: string } {
  const started = performance.now();
  const child = spawnSync(command[0]!, command.slice(1), {
    env: { ...process.env, HF_HUB_OFFLINE: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${command.join(' ')} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return { seconds, stdout: child.stdout };
}

interface CaseSpec {
  name: string;
  trainer: 'transformers' | 'baseline';
  task: 'text-classification' | 'image-classification';
  model: string;
  modelLabel: string;
  data: string;
  dataLabel: string;
  params: Record<string, unknown>;
  reps: number;
}

function runCase(spec: CaseSpec, out: string): TrainerRun {
  rmSync(out, { recursive: true, force: true });
  const command = spec.trainer === 'transformers' ? trainer.train : defaultTrainerCommand();
  const { seconds } = timed(command, {
    RETRAIN_DATA_DIR: spec.data,
    RETRAIN_OUTPUT_DIR: out,
    RETRAIN_TASK: spec.task,
    RETRAIN_BASE_MODEL: spec.model,
    RETRAIN_PARAMS: JSON.stringify({ ...spec.params, ...(spec.trainer === 'transformers' ? { device: 'cpu' } : {}) }),
  });
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, number> & {
    hyperparameters: { epochs: number };
  };
  const epochs = metrics.hyperparameters.epochs;
  return {
    wallSeconds: seconds,
    startupSeconds: metrics.startup_seconds ?? seconds - metrics.train_seconds!,
    trainSeconds: metrics.train_seconds,
    secondsPerEpoch: metrics.seconds_per_epoch ?? metrics.train_seconds! / epochs,
    epochs,
    trainRows: metrics.train_rows,
    accuracy: metrics.accuracy,
    baselineAccuracy: metrics.baseline_accuracy,
  };
}

/** The first `rows` rows of each split of a CSV dataset, in a new folder. */
function firstRows(folder: string, rows: number, into: string): string {
  mkdirSync(into, { recursive: true });
  for (const split of ['train', 'validation']) {
    const lines = readFileSync(join(folder, `${split}.csv`), 'utf8').trim().split('\n');
    const count = split === 'train' ? rows : Math.max(4, Math.round(rows / 3));
    writeFileSync(join(into, `${split}.csv`), `${lines.slice(0, count + 1).join('\n')}\n`);
  }
  return into;
}

async function main(): Promise<void> {
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  const start = conditions();
  log(`trainers bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  const work = join(WORK, 'trainers');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  log('building the models (tiny, and bert-base / vit-base sized with random weights) and the image datasets');
  const reviews = join(ROOT, 'examples', 'datasets', 'product-reviews');
  const [tinyText, tinyImage, baseText, baseImage, swatches, bigSwatches] = await Promise.all([
    tinyModel('text'),
    tinyModel('image'),
    tinyModel('text-base'),
    tinyModel('image-base'),
    swatchesFolder(100, 64),
    swatchesFolder(settings.baseRows.image / 2, 224),
  ]);
  const swatchesCopy = join(work, 'swatches');
  cpSync(swatches, swatchesCopy, { recursive: true });
  const fewReviews = firstRows(reviews, settings.baseRows.text, join(work, 'few-reviews'));
  const tinyParams = { epochs: 2, learning_rate: 0.005, batch_size: 16 };
  const cases: CaseSpec[] = [
    {
      name: 'text, tiny BERT (2 × 32)',
      trainer: 'transformers',
      task: 'text-classification',
      model: tinyText,
      modelLabel: 'tiny BERT',
      data: reviews,
      dataLabel: 'product-reviews 600 + 200',
      params: tinyParams,
      reps: settings.reps,
    },
    {
      name: 'text, TypeScript baseline',
      trainer: 'baseline',
      task: 'text-classification',
      model: 'tfidf-softmax-regression',
      modelLabel: 'TF-IDF + softmax',
      data: reviews,
      dataLabel: 'product-reviews 600 + 200',
      params: {},
      reps: settings.reps,
    },
    {
      name: 'image, tiny ViT (2 × 32, 32 px)',
      trainer: 'transformers',
      task: 'image-classification',
      model: tinyImage,
      modelLabel: 'tiny ViT',
      data: swatchesCopy,
      dataLabel: 'swatches 200 + 100 (64 px)',
      params: tinyParams,
      reps: settings.reps,
    },
    {
      name: 'image, TypeScript baseline',
      trainer: 'baseline',
      task: 'image-classification',
      model: 'hog-softmax-regression',
      modelLabel: 'HOG + softmax',
      data: swatchesCopy,
      dataLabel: 'swatches 200 + 100 (64 px)',
      params: {},
      reps: settings.reps,
    },
    {
      name: 'text, bert-base sized (12 × 768, 128 tokens)',
      trainer: 'transformers',
      task: 'text-classification',
      model: baseText,
      modelLabel: 'bert-base dimensions, random weights',
      data: fewReviews,
      dataLabel: `product-reviews, first ${settings.baseRows.text} rows`,
      params: { epochs: 1, batch_size: 8, max_length: 128 },
      reps: 1,
    },
    {
      name: 'image, vit-base sized (12 × 768, 224 px)',
      trainer: 'transformers',
      task: 'image-classification',
      model: baseImage,
      modelLabel: 'vit-base-patch16-224 dimensions, random weights',
      data: bigSwatches,
      dataLabel: `swatches ${settings.baseRows.image} (224 px)`,
      params: { epochs: 1, batch_size: 8 },
      reps: 1,
    },
  ];

  const interpreter: number[] = [];
  const imports: number[] = [];
  const runs = new Map<string, TrainerRun[]>(cases.map((c) => [c.name, []]));
  for (let rep = 0; rep < settings.reps; rep++) {
    interpreter.push(timed([trainer.python, '-c', 'pass']).seconds);
    imports.push(timed([trainer.python, '-c', 'import torch, transformers, datasets']).seconds);
    for (const spec of cases) {
      if (rep >= spec.reps) continue;
      const run = runCase(spec, join(work, 'out'));
      runs.get(spec.name)!.push(run);
      log(`${spec.name}: ${run.wallSeconds.toFixed(1)} s wall, ${run.secondsPerEpoch?.toFixed(2)} s per epoch`);
    }
  }
  const versions = JSON.parse(
    timed([
      trainer.python,
      '-c',
      'import json, torch, transformers; print(json.dumps({"torch": torch.__version__, "transformers": transformers.__version__, "cuda": str(torch.cuda.is_available())}))',
    ]).stdout,
  ) as Record<string, string>;
  const results: TrainersResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    versions,
    interpreter: spread(interpreter),
    imports: spread(imports),
    cases: cases.map((spec) => {
      const measured = runs.get(spec.name)!;
      return {
        name: spec.name,
        trainer: spec.trainer,
        task: spec.task,
        model: spec.modelLabel,
        data: spec.dataLabel,
        runs: measured,
        wall: spread(measured.map((r) => r.wallSeconds)),
        startup: spread(measured.map((r) => r.startupSeconds ?? NaN)),
        perEpoch: spread(measured.map((r) => r.secondsPerEpoch ?? NaN)),
      };
    }),
  };
  log(`wrote ${writeResults('trainers', results, quick)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
