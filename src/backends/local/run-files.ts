/**
 * The on-disk state of one local training run, shared by the worker (which starts, polls and cancels it)
 * and the detached supervisor (which runs the trainer). Everything a poll needs is in these files, so a
 * worker restart neither kills nor loses the run.
 */
import { join } from 'node:path';

export interface LaunchSpec {
  command: string[];
  cwd: string;
  /** Non-secret environment for the trainer (RETRAIN_*). Secrets come from the supervisor's own env. */
  env: Record<string, string>;
  createdAt: string;
  /**
   * The run to tell when the trainer exits (exit-notice.ts), and where Temporal is; TLS and the API key come from
   * the supervisor's own environment (the worker's TEMPORAL_* variables), never from this file. Absent for runs
   * launched before notices existed, or by a worker that was given no Temporal address.
   */
  notice?: ExitNoticeTarget;
}

export interface ExitNoticeTarget {
  /** Temporal's address as the worker reached it. */
  address: string;
  namespace: string;
  workflowId: string;
  /** Stop trying to tell the run after this long (the run's periodic check notices the exit anyway). */
  giveUpMs?: number;
}

/** Environment variables a trainer must never see, whatever the worker has. */
export const WITHHELD_FROM_TRAINERS = [
  'WEBHOOK_SECRET',
  'ADMIN_TOKEN',
  'RETRAIN_PAYLOAD_KEY',
  // How the supervisor reaches Temporal to tell the run; a trainer has no business there.
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
];

/** Of those, what the supervisor needs to tell the run; the rest it is never given either. */
export const SUPERVISOR_NEEDS = new Set(WITHHELD_FROM_TRAINERS.filter((name) => name.startsWith('TEMPORAL_')));

/** `env` less the variables in `withheld`. */
export function withheld(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of names) delete out[name];
  return out;
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
  /** CPU seconds (user + system) the trainer and the processes it waited for used (Linux), for the run's cost. */
  cpuSeconds?: number;
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
