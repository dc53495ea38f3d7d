/** What the benchmarks ran on, and what else was running. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { temporalVersion } from './stack';

export interface Machine {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  temporal: string;
  loadavg: number[];
  /** Processes of other work on the machine (test runners, Temporal servers) when the run started. */
  others: string[];
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    temporal: temporalVersion(),
    loadavg: loadavg().map((v) => Math.round(v * 100) / 100),
    others: otherWork(),
  };
}

/** Other test runners and Temporal servers on the machine (not this process's children). */
export function otherWork(): string[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-eo', 'pid,ppid,args', '--no-headers'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /jest|temporal server|pytest|cargo test|go test/.test(l))
    .filter((l) => !l.includes('/wt-bench/') && !l.includes(' ps -eo'))
    .map((l) => l.replace(/\s+/g, ' ').slice(0, 140));
}
