/** Where each benchmark writes its figures (JSON), read back by bench/report.ts to write RESULTS.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH, WORK } from './stack';

export const isQuick = (argv = process.argv): boolean => argv.includes('--quick');

/** Full runs write bench/results/ (committed); quick runs write bench/.work/quick/ (ignored). */
export function resultsDir(quick = isQuick()): string {
  const dir = quick ? join(WORK, 'quick') : join(BENCH, 'results');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeResults(name: string, data: unknown, quick = isQuick()): string {
  const file = join(resultsDir(quick), `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export function readResults<T>(name: string, quick = isQuick()): T | undefined {
  const file = join(resultsDir(quick), `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Load average and when, recorded with every benchmark's results. */
export function conditions(): { at: string; loadavg: number[] } {
  return { at: new Date().toISOString(), loadavg: loadavg().map((v) => Math.round(v * 100) / 100) };
}
