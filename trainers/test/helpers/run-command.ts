import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const TRAINERS_BIN = join(__dirname, '..', '..', 'bin');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the trainer commands (`train`, `predict`, `inspect`) as a real child process. */
export function runTrainerCommand(
  command: 'train' | 'predict' | 'inspect',
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(TRAINERS_BIN, `${command}.js`), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON objects of a command's stdout, one per line; fails the test on a line that is not JSON. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What the baseline's train command leaves in its output folder, sorted. */
export const BASELINE_OUTPUT_FILES = ['comparison.json', 'features.json', 'metrics.json', 'model.json', 'weights.bin'];
