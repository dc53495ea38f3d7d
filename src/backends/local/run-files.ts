/**
 * The on-disk state of one local training run, shared by the worker (which starts, polls and cancels it)
 * and the detached supervisor (which runs the trainer). Everything a poll needs is in these files, so a
 * worker restart neither kills nor loses the run.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LaunchSpec {
  command: string[];
  cwd: string;
  /** Non-secret environment for the trainer (RETRAIN_*). Secrets come from the supervisor's own env. */
  env: Record<string, string>;
  createdAt: string;
}

export interface SupervisorInfo {
  pid: number;
  trainerPid: number;
  host: string;
  startedAt: string;
}

export interface ProgressInfo {
  progress?: number;
  message?: string;
  metrics?: Record<string, number>;
  updatedAt: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  cancelled: boolean;
  finishedAt: string;
  /** Why the trainer could not even start, when that happened. */
  error?: string;
}

export const runFiles = (dir: string) => ({
  dir,
  launch: join(dir, 'launch.json'),
  supervisor: join(dir, 'supervisor.json'),
  heartbeat: join(dir, 'heartbeat'),
  progress: join(dir, 'progress.json'),
  exit: join(dir, 'exit.json'),
  cancel: join(dir, 'cancel'),
  log: join(dir, 'log.txt'),
});

/** Write-then-rename, so a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined; // being replaced right now; the next poll reads it
  }
}
