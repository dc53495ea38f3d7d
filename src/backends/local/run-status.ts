/** Reads a local run's files into a TrainingStatus. Pure file reads: any worker on the machine can poll. */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { logTailOf, type JobRef, type TrainingStatus } from '../types';
import { runFiles, type ExitInfo, type LaunchSpec, type ProgressInfo, type SupervisorInfo } from './run-files';
import { readJson } from '../../json-files';

/** A supervisor touches its heartbeat every second; this much silence means it is gone. */
export const HEARTBEAT_STALE_MS = 15_000;
/** A launch that has not produced a supervisor in this long never started. */
export const LAUNCH_STALE_MS = 60_000;

export function readRunStatus(runDir: string, job: JobRef, now = Date.now()): TrainingStatus {
  const files = runFiles(runDir);
  const links = job.links;
  const exit = readJson<ExitInfo>(files.exit);
  const progress = readJson<ProgressInfo>(files.progress);
  // The log is read when the run has ended (its last lines explain a failure); while it runs, only when someone
  // looks (LocalBackend.logTail).
  const logTail = exit ? readLogTail(files.log) : undefined;
  if (exit) {
    // The trainer's metrics.json is the result; progress metrics (loss per epoch...) only stand in without it.
    const fromFile = job.outputModel ? readMetricsFile(join(job.outputModel, 'metrics.json')) : {};
    const metrics = Object.keys(fromFile).length > 0 ? fromFile : { ...progress?.metrics };
    if (exit.cancelled)
      return { state: 'cancelled', stage: 'cancelled', message: 'the trainer was stopped', links, logTail, metrics };
    if (exit.code === 0) {
      return {
        state: 'succeeded',
        stage: 'exited',
        progress: 1,
        message: progress?.message,
        metrics,
        links,
        logTail,
        model: job.outputModel,
      };
    }
    const how = exit.error ?? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`);
    const last = (logTail ?? []).slice(-3).join(' | ');
    return {
      state: 'failed',
      stage: 'exited',
      message: `the trainer ${how}${last ? `: ${last}` : ''}`,
      links,
      logTail,
      metrics,
    };
  }
  const supervisor = readJson<SupervisorInfo>(files.supervisor);
  if (!supervisor) {
    const launch = readJson<LaunchSpec>(files.launch);
    const age = launch ? now - Date.parse(launch.createdAt) : Infinity;
    if (age > LAUNCH_STALE_MS)
      return { state: 'failed', stage: 'lost', message: 'the trainer never started', links, logTail };
    return { state: 'queued', stage: 'starting', links, logTail };
  }
  const heartbeatAge = existsSync(files.heartbeat) ? now - statSync(files.heartbeat).mtimeMs : Infinity;
  if (heartbeatAge > HEARTBEAT_STALE_MS) {
    return {
      state: 'failed',
      stage: 'lost',
      message: `the trainer's supervisor (pid ${supervisor.pid} on ${supervisor.host}) stopped without an exit status; was the machine restarted?`,
      links,
      logTail,
    };
  }
  return {
    state: 'running',
    stage: 'running',
    progress: progress?.progress,
    message: progress?.message,
    metrics: progress?.metrics,
    links,
    logTail,
  };
}

/** The numbers at the top level of a trainer's metrics.json (nested detail such as per-class counts stays in the file). */
export function readMetricsFile(path: string): Record<string, number> {
  const raw = readJson<Record<string, unknown>>(path);
  if (!raw || typeof raw !== 'object') return {};
  return Object.fromEntries(
    Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
  );
}

export function readLogTail(path: string, maxBytes = 16_384): string[] {
  if (!existsSync(path)) return [];
  const size = statSync(path).size;
  const length = Math.min(size, maxBytes);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  let text = buffer.toString('utf8');
  if (size > maxBytes) text = text.slice(text.indexOf('\n') + 1); // the first line was probably cut in the middle
  return logTailOf(text);
}
