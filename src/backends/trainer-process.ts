/**
 * Runs one of the trainers' commands as a process (the contract of trainers/README.md: program and arguments, no
 * shell; the answer on stdout; bad input is exit code 2 with an `error: ` line on stderr). The service reaches the
 * trainers only this way: they are a program of their own, with their own dependencies (trainers/package.json and
 * the transformers trainer's Python environment).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../project-root';
import { PermanentBackendError } from '../errors';

/** Exit code of the trainer commands for bad input. */
export const EXIT_INPUT_ERROR = 2;

/** A command of the TypeScript trainers (trainers/bin): `train`, `predict`, `serve`, `inspect`, `columns`, `check-data`. */
export function trainersCommand(
  name: 'train' | 'predict' | 'serve' | 'inspect' | 'columns' | 'check-data',
  root = projectRoot(),
): string[] {
  return [process.execPath, join(root, 'trainers', 'bin', `${name}.js`)];
}

export interface TrainerProcessOptions {
  /** What the command does, for messages ("the transformers trainer's pre-flight check"). */
  what: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: Buffer | string;
  /** Kills the command when aborted (a cancelled activity). */
  signal?: AbortSignal;
}

/**
 * Resolves with what the command printed on stdout. Bad input rejects with a PermanentBackendError carrying the
 * command's own `error: ` line (retrying cannot fix it); a crash or a time-out, with an Error naming what failed
 * and the last line it wrote.
 */
export function runTrainerCommand(argv: readonly string[], options: TrainerProcessOptions): Promise<string> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(
      program!,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        signal: options.signal,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const error = stderr.split('\n').find((line) => line.startsWith('error: '));
        if (err.code === EXIT_INPUT_ERROR && error) return reject(new PermanentBackendError(error.slice(7)));
        const last = error?.slice(7) ?? stderr.trim().split('\n').slice(-1)[0] ?? '';
        reject(new Error(`${options.what} failed: ${last || err.message}`));
      },
    );
    child.stdin?.end(options.input);
  });
}

/** The last line of a command's stdout, as JSON; undefined when it is not JSON. */
export function lastJsonLine(stdout: string): unknown {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    return undefined;
  }
}
