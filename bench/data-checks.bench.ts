/**
 * Benchmark 9: the data checks (stage checking-data). The trainers' `check-data` command, as the worker runs it, on
 * text datasets of 10k, 100k and 1M rows (CSV, 90 % train, 10 % validation, with 1 % of validation copied from train)
 * and on a folder of about 10,000 images; its wall time and peak RSS (GNU time), and the wall time of the TypeScript
 * baseline's training on the same data, the cheapest training hub-retrain runs: the ratio is what the checks add to
 * a run at least (a transformers fine-tune takes 20 to 40 times the baseline, benchmark 8).
 *
 *   tsx bench/data-checks.bench.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { defaultTrainerCommand } from '../src/backends/local/default-trainer';
import { trainersCommand } from '../src/backends/trainer-process';
import { seededRandom } from '../trainers/core/random';
import { writeImageFolders } from '../trainers/test/helpers/synthetic-images';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, WORK } from './lib/stack';
import { spread, type Spread } from './lib/stats';

const FULL = { textRows: [10_000, 100_000, 1_000_000], imagesPerClass: { train: 3000, validation: 334 }, reps: 3 };
const QUICK: typeof FULL = { textRows: [10_000, 50_000], imagesPerClass: { train: 100, validation: 20 }, reps: 1 };
/** A baseline training longer than this is stopped and reported as "more than". */
const BASELINE_LIMIT_S = 20 * 60;

export interface Measured {
  wallSeconds: number;
  peakRssMiB: number;
  /** The command did not end within the limit (baseline only). */
  stopped?: boolean;
}

export interface DataChecksCase {
  name: string;
  rows: number;
  bytes: number;
  checks: Measured[];
  checkWall: Spread;
  checkRss: Spread;
  baseline?: Measured;
  /** What the checks found, to show they looked (leakage count, for the copied rows). */
  leakage?: number;
}

export interface DataChecksResults {
  quick: boolean;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  cases: DataChecksCase[];
  baselineLimitSeconds: number;
}

const WORDS = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);
const LABELS = ['billing', 'delivery', 'returns', 'account', 'technical'];

/** A support-ticket-like CSV dataset: 6 to 40 words a row, five labels with words of their own. */
async function writeTextDataset(dir: string, rows: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(rows);
  const text = (label: number): string => {
    const n = 6 + Math.floor(random() * 35);
    const words: string[] = [];
    for (let i = 0; i < n; i++)
      words.push(random() < 0.2 ? `${LABELS[label]}${i % 5}` : WORDS[Math.floor(random() * WORDS.length)]!);
    return words.join(' ');
  };
  const trainRows = Math.round(rows * 0.9);
  const copied: string[] = [];
  let bytes = 0;
  const write = async (file: string, count: number, copy: boolean): Promise<void> => {
    const out = createWriteStream(join(dir, file));
    out.write('text,label\n');
    for (let i = 0; i < count; i++) {
      const label = Math.floor(random() * LABELS.length);
      const line = copy && i < copied.length ? copied[i]! : `"${text(label)}",${LABELS[label]}\n`;
      if (!copy && i % 100 === 0 && copied.length < (rows - trainRows) / 10) copied.push(line);
      bytes += line.length;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  };
  await write('train.csv', trainRows, false);
  await write('validation.csv', rows - trainRows, true);
  return bytes;
}

/** Runs a command under GNU time: wall seconds and peak resident set. */
function measure(
  command: string[],
  env: Record<string, string> = {},
  limitSeconds?: number,
): Measured & { stdout: string } {
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', ...command], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: limitSeconds ? limitSeconds * 1000 : undefined,
    killSignal: 'SIGKILL',
  });
  const wall = (performance.now() - started) / 1000;
  if (child.error || child.signal) return { wallSeconds: wall, peakRssMiB: NaN, stopped: true, stdout: '' };
  const line = child.stderr.split('\n').find((l) => l.startsWith('TIME '));
  if (child.status !== 0 || !line)
    throw new Error(`${command.join(' ')} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const [, seconds, kib] = line.split(' ');
  return { wallSeconds: Number(seconds), peakRssMiB: Number(kib) / 1024, stdout: child.stdout };
}

function runCase(name: string, dir: string, rows: number, bytes: number, task: string, reps: number): DataChecksCase {
  const checks: Measured[] = [];
  let leakage: number | undefined;
  for (let i = 0; i < reps; i++) {
    const { stdout, ...m } = measure([...trainersCommand('check-data'), dir, '--options', JSON.stringify({ task })]);
    const answer = JSON.parse(stdout.trim().split('\n').pop()!) as { checks: { check: string; count: number }[] };
    leakage = answer.checks.find((c) => c.check === 'leakage')?.count;
    checks.push(m);
    log(`  ${name}: checks ${m.wallSeconds.toFixed(2)} s, ${m.peakRssMiB.toFixed(0)} MiB`);
  }
  const out = join(dir, '..', `${name.replace(/\W+/g, '-')}-model`);
  rmSync(out, { recursive: true, force: true });
  const { stdout: _, ...baseline } = measure(
    defaultTrainerCommand(),
    {
      RETRAIN_DATA_DIR: dir,
      RETRAIN_OUTPUT_DIR: out,
      RETRAIN_TASK: task,
      RETRAIN_PARAMS: '{}',
      RETRAIN_BASE_MODEL: '',
    },
    BASELINE_LIMIT_S,
  );
  log(`  ${name}: baseline training ${baseline.stopped ? 'stopped after' : ''} ${baseline.wallSeconds.toFixed(1)} s`);
  return {
    name,
    rows,
    bytes,
    checks,
    checkWall: spread(checks.map((c) => c.wallSeconds)),
    checkRss: spread(checks.map((c) => c.peakRssMiB)),
    baseline,
    leakage,
  };
}

/** The million-row case twice: each check of it takes a minute on a shared machine. */
const reps = (rows: number, settings: typeof FULL): number =>
  rows >= 1_000_000 ? Math.min(2, settings.reps) : settings.reps;

async function main(): Promise<void> {
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  if (!existsSync('/usr/bin/time')) throw new Error('this benchmark needs GNU time (/usr/bin/time) for the peak RSS');
  const start = conditions();
  log(`data checks bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  const work = join(WORK, 'data-checks');
  rmSync(work, { recursive: true, force: true });
  const cases: DataChecksCase[] = [];
  for (const rows of settings.textRows) {
    const dir = join(work, `text-${rows}`);
    const bytes = await writeTextDataset(dir, rows);
    cases.push(
      runCase(
        `text, ${rows.toLocaleString('en-US')} rows`,
        dir,
        rows,
        bytes,
        'text-classification',
        reps(rows, settings),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  const images = join(work, 'images');
  await writeImageFolders(images, settings.imagesPerClass);
  const count = 3 * (settings.imagesPerClass.train + settings.imagesPerClass.validation);
  cases.push(
    runCase(
      `images, ${count.toLocaleString('en-US')} files`,
      images,
      count,
      NaN,
      'image-classification',
      Math.min(2, settings.reps),
    ),
  );
  const results: DataChecksResults = {
    quick,
    conditions: { start, end: conditions() },
    cases,
    baselineLimitSeconds: BASELINE_LIMIT_S,
  };
  log(`wrote ${writeResults('data-checks', results, quick)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
