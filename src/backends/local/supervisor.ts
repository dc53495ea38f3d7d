/**
 * The detached supervisor of one local training run: `node supervisor.js <runDir>`.
 * It runs the trainer in its own process group, appends its output to log.txt, turns its JSON lines
 * ({"progress", "message", "metrics"}) into progress.json, touches heartbeat every second, kills the
 * trainer when a `cancel` file appears, and writes exit.json when the trainer ends; then it tells the run
 * waiting for it (exit-notice.ts), so the run moves on at once. It outlives the worker that started it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { tellRun as TellRun } from './exit-notice';
import {
  runFiles,
  withheld,
  WITHHELD_FROM_TRAINERS,
  type ExitInfo,
  type LaunchSpec,
  type ProgressInfo,
} from './run-files';
import { readJson, writeJsonAtomic } from '../../json-files';

const HEARTBEAT_MS = 1000;
const KILL_GRACE_MS = 5000;

function main(): void {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: supervisor <runDir>');
  const files = runFiles(dir);
  const launch = readJson<LaunchSpec>(files.launch);
  if (!launch) throw new Error(`no launch.json in ${dir}`);
  const [program, ...args] = launch.command;

  let exited = false;
  const finish = (info: Omit<ExitInfo, 'finishedAt'>) => {
    if (exited) return;
    exited = true;
    writeJsonAtomic(files.exit, { ...info, finishedAt: new Date().toISOString() } satisfies ExitInfo);
    // A run that cancelled its trainer is not waiting for it any more: nobody to tell.
    const notice = launch.notice && !info.cancelled ? launch.notice : undefined;
    const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    const told = notice ? loadTellRun()(notice, log) : Promise.resolve(false);
    void told.catch((err: unknown) => log(`notice failed: ${String(err)}`)).finally(() => process.exit(0));
  };

  const trainer = spawn(program!, args, {
    cwd: launch.cwd,
    env: { ...withheld(process.env, WITHHELD_FROM_TRAINERS), ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cancel kills its children too
  });
  trainer.once('error', (err) =>
    finish({ code: null, signal: null, cancelled: false, error: `could not start ${program}: ${err.message}` }),
  );
  writeJsonAtomic(files.supervisor, {
    pid: process.pid,
    trainerPid: trainer.pid ?? -1,
    host: hostname(),
    startedAt: new Date().toISOString(),
  });
  writeFileSync(files.heartbeat, '');

  const progress: ProgressInfo = { updatedAt: new Date().toISOString() };
  createInterface({ input: trainer.stdout }).on('line', (line) => {
    appendFileSync(files.log, `${line}\n`);
    const update = parseProgressLine(line);
    if (!update) return;
    if (update.progress !== undefined) progress.progress = update.progress;
    if (update.message !== undefined) progress.message = update.message;
    if (update.metrics) progress.metrics = { ...progress.metrics, ...update.metrics };
    progress.updatedAt = new Date().toISOString();
    writeJsonAtomic(files.progress, progress);
  });
  createInterface({ input: trainer.stderr }).on('line', (line) => appendFileSync(files.log, `${line}\n`));

  let cancelled = false;
  const tick = setInterval(() => {
    const now = new Date();
    utimesSync(files.heartbeat, now, now);
    if (!cancelled && existsSync(files.cancel)) {
      cancelled = true;
      killGroup(trainer.pid, 'SIGTERM');
      setTimeout(() => killGroup(trainer.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    }
  }, HEARTBEAT_MS);

  trainer.once('close', (code, signal) => {
    clearInterval(tick);
    const cpuSeconds = childrenCpuSeconds();
    finish({ code, signal, cancelled, ...(cpuSeconds !== undefined ? { cpuSeconds } : {}) });
  });
}

/**
 * exit-notice.ts, loaded when the trainer has exited: while it trains, the supervisor carries no Temporal client
 * (about 40 MB of memory per running trainer).
 */
function loadTellRun(): typeof TellRun {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./exit-notice') as typeof import('./exit-notice')).tellRun;
}

/** A trainer line is progress when it is a JSON object with any of progress, message, metrics. */
export function parseProgressLine(line: string): Omit<ProgressInfo, 'updatedAt'> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const { progress, message, metrics } = value as Record<string, unknown>;
    const out: Omit<ProgressInfo, 'updatedAt'> = {};
    if (typeof progress === 'number' && Number.isFinite(progress)) out.progress = Math.min(1, Math.max(0, progress));
    if (typeof message === 'string') out.message = message.slice(0, 500);
    if (metrics && typeof metrics === 'object' && !Array.isArray(metrics)) {
      out.metrics = Object.fromEntries(
        Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
      );
    }
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CPU time of the processes this supervisor waited for (the trainer, and what it waited for in turn): `cutime`
 * and `cstime` of /proc/self/stat (proc(5), fields 16 and 17, in clock ticks of 1/100 s on Linux). Undefined elsewhere.
 */
export function childrenCpuSeconds(stat = '/proc/self/stat'): number | undefined {
  try {
    const text = readFileSync(stat, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? Math.round(ticks) / 100 : undefined;
  } catch {
    return undefined;
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

if (require.main === module) main();
