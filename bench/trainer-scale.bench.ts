/**
 * Benchmark 13: the transformers trainer at real size. Peak RSS and start-up time of a training run on a generated
 * 1,000,000-row text CSV (plus a 2,000-row validation.csv) and a 20,000-image folder (32×32 PNGs in
 * train/<label>/, plus 500 for validation), with tiny models (tests/tiny_models.py) and one epoch capped by
 * `max_steps` so it runs on 2 cores. Each case runs the trainer of this checkout ("after": `datasets` reads the
 * folder into memory-mapped Arrow and encodes batch by batch), twice (the second run reads the datasets cache
 * of the same revision), and the trainer of `--before <ref>` (default `main`, extracted with `git archive`),
 * which reads every row into Python lists first.
 *
 * Each run has one torch thread (OMP_NUM_THREADS=1), as the test suites do on 2 shared cores.
 * Start-up is the wall time from spawning `train.py` to the Trainer's "***** Running training *****" line
 * (TRANSFORMERS_VERBOSITY=info); "data" is the part of it spent reading the dataset (the trainer's "loading"
 * line to its "N training rows" line: imports and the base model come after); peak RSS is the process's VmHWM (/proc, Linux), polled every 200 ms. The
 * trainer before this change knows no `max_steps`: its run is stopped 30 s after training starts, so its peak is
 * the peak up to then (a floor: its full run holds the same lists for a whole epoch).
 *
 *   tsx bench/trainer-scale.bench.ts [--quick] [--before <git ref>]
 */
import { execSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { trainer, tinyModel } from '../test/helpers/transformers';
import { seededRandom } from '../trainers/core/random';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, ROOT, WORK } from './lib/stack';

const FULL = { textRows: 1_000_000, images: 20_000, maxSteps: 50, batchSize: 32, stopBeforeAfterSeconds: 30 };
const QUICK: typeof FULL = { textRows: 50_000, images: 1_000, maxSteps: 10, batchSize: 32, stopBeforeAfterSeconds: 5 };
const LABELS = ['red', 'green', 'blue', 'yellow', 'cyan', 'magenta', 'white', 'black', 'grey', 'orange'];
const COLOURS = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [220, 220, 40],
  [40, 220, 220],
  [220, 40, 220],
  [240, 240, 240],
  [15, 15, 15],
  [128, 128, 128],
  [240, 140, 20],
] as const;
const GOOD = ['great', 'love', 'perfect', 'excellent', 'happy', 'works', 'fast', 'sturdy'];
const BAD = ['awful', 'broken', 'refund', 'slow', 'cheap', 'returned', 'useless', 'late'];
const FILLER = ['the', 'item', 'was', 'and', 'it', 'is', 'really', 'delivery', 'box', 'arrived', 'today'];

export interface ScaleRun {
  version: 'before' | 'after' | 'after (cached)';
  /** Spawn to the Trainer's first "Running training" line; undefined when it never got there. */
  startupSeconds?: number;
  /** Reading the dataset: from the trainer's "loading <folder>" line to its "N training rows" line. */
  dataSeconds?: number;
  /** VmHWM when training started, and at the end of what ran. */
  rssAtStartMiB?: number;
  peakRssMiB: number;
  wallSeconds: number;
  /** Whether the run finished (after) or was stopped once training ran (before). */
  finished: boolean;
  exitCode: number | null;
  steps?: number;
}

export interface ScaleCase {
  name: string;
  rows: number;
  dataMiB: number;
  runs: ScaleRun[];
}

export interface TrainerScaleResults {
  quick: boolean;
  settings: typeof FULL;
  before: string;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  cases: ScaleCase[];
}

async function writeLines(path: string, header: string, count: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(header + '\n');
  for (let i = 0; i < count; i++) {
    if (!out.write(line(i) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function textFolder(rows: number): Promise<string> {
  const folder = join(WORK, 'trainer-scale', `text-${rows}`);
  if (existsSync(join(folder, 'done'))) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const random = seededRandom(11);
  const pick = (words: string[]) => words[Math.floor(random() * words.length)]!;
  const row = (i: number) => {
    const words = i % 2 ? GOOD : BAD;
    return `${Array.from({ length: 10 }, () => pick([...words, ...FILLER])).join(' ')},${i % 2 ? 'positive' : 'negative'}`;
  };
  await writeLines(join(folder, 'train.csv'), 'text,label', rows, row);
  await writeLines(join(folder, 'validation.csv'), 'text,label', 2000, row);
  await writeLines(join(folder, 'done'), '', 0, () => '');
  return folder;
}

async function imageFolder(count: number): Promise<string> {
  const folder = join(WORK, 'trainer-scale', `images-${count}`);
  if (existsSync(join(folder, 'done'))) return folder;
  rmSync(folder, { recursive: true, force: true });
  const random = seededRandom(5);
  const write = async (split: string, i: number) => {
    const label = i % LABELS.length;
    const pixels = Buffer.alloc(32 * 32 * 3);
    for (let p = 0; p < pixels.length; p++) {
      pixels[p] = Math.max(0, Math.min(255, COLOURS[label]![p % 3]! + Math.floor(random() * 60) - 30));
    }
    const dir = join(folder, split, LABELS[label]!);
    mkdirSync(dir, { recursive: true });
    await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(join(dir, `${i}.png`));
  };
  for (const [split, total] of [
    ['train', count],
    ['validation', Math.max(50, Math.round(count / 40))],
  ] as const) {
    for (let i = 0; i < total; i += 64) {
      await Promise.all(Array.from({ length: Math.min(64, total - i) }, (_, k) => write(split, i + k)));
    }
  }
  await writeLines(join(folder, 'done'), '', 0, () => '');
  return folder;
}

/** The trainer folder of a git ref, extracted next to this checkout's (it runs with this checkout's venv). */
function trainerAt(ref: string): string {
  const dir = join(WORK, 'trainer-scale', 'before');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${ref} trainers/transformers | tar -x -C ${dir}`, { cwd: ROOT });
  return join(dir, 'trainers', 'transformers');
}

function hwmMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

interface RunSpec {
  version: ScaleRun['version'];
  folder: string;
  task: string;
  data: string;
  model: string;
  params: Record<string, unknown>;
  cache: string;
  /** Stop the run this long after training starts (the trainer before this change has no max_steps). */
  stopAfterSeconds?: number;
}

async function runTrainer(spec: RunSpec): Promise<ScaleRun> {
  const out = join(WORK, 'trainer-scale', 'out', spec.version.replace(/\W+/g, '-'));
  rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const child = spawn(trainer.python, [join(spec.folder, 'train.py')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HF_HUB_OFFLINE: '1',
      // One torch thread: on 2 cores shared with other work, a second spinning thread only slows each step.
      OMP_NUM_THREADS: '1',
      HF_DATASETS_CACHE: spec.cache,
      TRANSFORMERS_VERBOSITY: 'info',
      RETRAIN_DATA_DIR: spec.data,
      RETRAIN_OUTPUT_DIR: out,
      RETRAIN_TASK: spec.task,
      RETRAIN_BASE_MODEL: spec.model,
      RETRAIN_PARAMS: JSON.stringify(spec.params),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  let peak = 0;
  let startup: number | undefined;
  let rssAtStart: number | undefined;
  let stopped = false;
  let tail = '';
  const poll = setInterval(() => {
    peak = Math.max(peak, hwmMiB(pid) ?? 0);
  }, 200);
  let loadingAt: number | undefined;
  let dataSeconds: number | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (loadingAt === undefined && line.includes('"message": "loading ')) loadingAt = performance.now();
    else if (loadingAt !== undefined && dataSeconds === undefined && line.includes(' training rows, ')) {
      dataSeconds = (performance.now() - loadingAt) / 1000;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
    if (startup === undefined && tail.includes('***** Running training *****')) {
      startup = (performance.now() - started) / 1000;
      rssAtStart = hwmMiB(pid);
      if (spec.stopAfterSeconds !== undefined) {
        setTimeout(() => {
          peak = Math.max(peak, hwmMiB(pid) ?? 0);
          stopped = true;
          child.kill('SIGKILL');
        }, spec.stopAfterSeconds * 1000);
      }
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(poll);
  const wallSeconds = (performance.now() - started) / 1000;
  if (!stopped && code !== 0) throw new Error(`${spec.version} ${spec.task} failed (${code}): ${tail}`);
  let steps: number | undefined;
  if (!stopped) {
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { steps?: number };
    steps = metrics.steps;
  }
  return {
    version: spec.version,
    startupSeconds: startup,
    dataSeconds,
    rssAtStartMiB: rssAtStart,
    peakRssMiB: peak,
    wallSeconds,
    finished: !stopped,
    exitCode: code,
    steps,
  };
}

function sizeMiB(folder: string): number {
  return Math.round(Number(execSync(`du -sk ${folder}`).toString().split(/\s/)[0]) / 1024);
}

async function main(): Promise<void> {
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  const beforeArg = process.argv.indexOf('--before');
  const before = beforeArg === -1 ? 'main' : process.argv[beforeArg + 1]!;
  const results: TrainerScaleResults = { quick, settings, before, conditions: { start: conditions() }, cases: [] };
  log(`generating ${settings.textRows} text rows and ${settings.images} images`);
  const [text, images] = [await textFolder(settings.textRows), await imageFolder(settings.images)];
  const [textModel, imageModel] = await Promise.all([
    tinyModel('text', join(text, 'validation.csv')),
    tinyModel('image'),
  ]);
  const beforeFolder = trainerAt(before);
  const cases = [
    { name: 'text', task: 'text-classification', data: text, model: textModel, rows: settings.textRows },
    { name: 'images', task: 'image-classification', data: images, model: imageModel, rows: settings.images },
  ];
  for (const c of cases) {
    const cache = join(WORK, 'trainer-scale', 'datasets-cache', c.name);
    rmSync(cache, { recursive: true, force: true });
    const common = { epochs: 1, batch_size: settings.batchSize, seed: 1 };
    const after = { folder: trainer.folder, task: c.task, data: c.data, model: c.model, cache };
    const runs: ScaleRun[] = [];
    for (const version of ['after', 'after (cached)'] as const) {
      log(`${c.name}: ${version}`);
      runs.push(await runTrainer({ ...after, version, params: { ...common, max_steps: settings.maxSteps } }));
      log(JSON.stringify(runs.at(-1)));
    }
    log(`${c.name}: before (${before})`);
    const beforeCache = join(WORK, 'trainer-scale', 'datasets-cache', `${c.name}-before`);
    rmSync(beforeCache, { recursive: true, force: true });
    runs.push(
      await runTrainer({
        ...after,
        version: 'before',
        folder: beforeFolder,
        cache: beforeCache,
        params: common,
        stopAfterSeconds: settings.stopBeforeAfterSeconds,
      }),
    );
    log(JSON.stringify(runs.at(-1)));
    results.cases.push({ name: c.name, rows: c.rows, dataMiB: sizeMiB(c.data), runs });
    rmSync(cache, { recursive: true, force: true });
    rmSync(beforeCache, { recursive: true, force: true });
  }
  results.conditions.end = conditions();
  log(`wrote ${writeResults('trainer-scale', results, quick)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
