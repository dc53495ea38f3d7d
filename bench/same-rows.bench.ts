/**
 * What measuring the model in service adds to a run (issue 23): each trainer, run as the local backend runs it,
 * first with no model in service, then with the model of that first run as RETRAIN_CURRENT_MODEL_DIR, so it also
 * predicts the decision rows with the model in service. The added time is what the trainer records in
 * comparison.json (`seconds.current`: loading the model in service and predicting every decision row), given as a
 * ratio of the run's own time without it (the trainer process's wall time less that). Runs interleave, so the
 * machine's load falls on every case alike.
 *
 *   tsx bench/same-rows.bench.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultTrainerCommand } from '../src/backends/local/default-trainer';
import { transformersTrainer } from '../src/backends/transformers-trainer';
import { swatchesFolder, tinyModel } from '../test/helpers/transformers';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, ROOT, WORK } from './lib/stack';
import { spread, type Spread } from './lib/stats';

export interface SameRowsCase {
  name: string;
  data: string;
  /** Rows both models were measured on. */
  rows: number;
  /** The trainer process's wall time with the model in service measured, seconds. */
  wall: Spread;
  /** What measuring the model in service took (comparison.json `seconds.current`). */
  current: Spread;
  /** current / (wall - current), per repetition. */
  ratio: Spread;
}

export interface SameRowsResults {
  quick: boolean;
  reps: number;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  cases: SameRowsCase[];
}

interface Spec {
  name: string;
  command: string[];
  task: 'text-classification' | 'image-classification';
  model: string;
  data: string;
  dataLabel: string;
  params: Record<string, unknown>;
}

function run(spec: Spec, out: string, current?: string): { wall: number; current: number | null; rows: number } {
  rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const child = spawnSync(spec.command[0]!, spec.command.slice(1), {
    env: {
      ...process.env,
      HF_HUB_OFFLINE: '1',
      OMP_NUM_THREADS: '1',
      RETRAIN_DATA_DIR: spec.data,
      RETRAIN_OUTPUT_DIR: out,
      RETRAIN_TASK: spec.task,
      RETRAIN_BASE_MODEL: spec.model,
      RETRAIN_PARAMS: JSON.stringify(spec.params),
      ...(current ? { RETRAIN_CURRENT_MODEL_DIR: current } : {}),
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${spec.name} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const comparison = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as {
    truth: string[];
    seconds: { current: number | null };
  };
  return { wall, current: comparison.seconds.current, rows: comparison.truth.length };
}

async function main(): Promise<void> {
  const quick = isQuick();
  const reps = quick ? 1 : 3;
  const start = conditions();
  log(`same-rows bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  const work = join(WORK, 'same-rows');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const reviews = join(ROOT, 'examples', 'datasets', 'product-reviews');
  const [tinyText, tinyImage, swatches] = await Promise.all([
    tinyModel('text'),
    tinyModel('image'),
    swatchesFolder(100, 64),
  ]);
  const swatchesCopy = join(work, 'swatches');
  cpSync(swatches, swatchesCopy, { recursive: true });
  const python = transformersTrainer().train;
  const tiny = { epochs: 2, learning_rate: 0.005, batch_size: 16, device: 'cpu' };
  const specs: Spec[] = [
    {
      name: 'TypeScript baseline, text',
      command: defaultTrainerCommand(),
      task: 'text-classification',
      model: 'tfidf-softmax-regression',
      data: reviews,
      dataLabel: 'product-reviews 600 + 200',
      params: {},
    },
    {
      name: 'tiny BERT (2 × 32), text',
      command: python,
      task: 'text-classification',
      model: tinyText,
      data: reviews,
      dataLabel: 'product-reviews 600 + 200',
      params: tiny,
    },
    {
      name: 'tiny ViT (2 × 32, 32 px), image',
      command: python,
      task: 'image-classification',
      model: tinyImage,
      data: swatchesCopy,
      dataLabel: 'swatches 200 + 100 (64 px)',
      params: tiny,
    },
  ];
  const inService = specs.map((spec, i) => {
    const dir = join(work, `in-service-${i}`);
    run(spec, dir);
    return dir;
  });
  const samples = specs.map(() => [] as Array<{ wall: number; current: number; rows: number }>);
  for (let rep = 0; rep < reps; rep++) {
    specs.forEach((spec, i) => {
      const measured = run(spec, join(work, `run-${i}`), inService[i]);
      samples[i]!.push({ ...measured, current: measured.current ?? 0 });
      log(`${spec.name}: ${measured.wall.toFixed(2)} s, of which the model in service ${measured.current} s`);
    });
  }
  const results: SameRowsResults = {
    quick,
    reps,
    conditions: { start, end: conditions() },
    cases: specs.map((spec, i) => {
      const s = samples[i]!;
      return {
        name: spec.name,
        data: spec.dataLabel,
        rows: s[0]!.rows,
        wall: spread(s.map((x) => x.wall)),
        current: spread(s.map((x) => x.current)),
        ratio: spread(s.map((x) => x.current / (x.wall - x.current))),
      };
    }),
  };
  log(`wrote ${writeResults('same-rows', results, quick)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
