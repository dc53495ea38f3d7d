/**
 * The transformers trainer's check before a run starts (trainers/transformers/preflight.py): its Python
 * environment is installed, and the base model can be loaded (a local folder with a config.json, or a Hub
 * model the token can read: missing, private and gated each get their own message). It takes a second or
 * two, so a run that cannot train fails at createProject, not minutes later.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EXIT_INPUT_ERROR } from '../trainer-process';
import { SETUP_COMMAND } from '../transformers-trainer';
import { PermanentBackendError } from '../../errors';

const PREFLIGHT_TIMEOUT_MS = 60_000;

export interface PreflightInput {
  /** The venv's interpreter and the check's script. */
  command: string[];
  baseModel: string;
  hubEndpoint: string;
  token?: string;
  cwd: string;
  /** The environment the trainer would get (the worker's, less its secrets). */
  env: NodeJS.ProcessEnv;
}

/** Resolves with the check's message; rejects with a PermanentBackendError for what retrying cannot fix. */
export function preflightTransformers(input: PreflightInput): Promise<string> {
  const [python, ...args] = input.command;
  if (!python || !existsSync(python)) {
    return Promise.reject(
      new PermanentBackendError(
        `the transformers trainer is not installed (no ${python}): run \`${SETUP_COMMAND}\` once, ` +
          'or set backend.trainer to "baseline" to train the TypeScript baseline instead',
      ),
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...input.env,
    RETRAIN_BASE_MODEL: input.baseModel,
    HF_ENDPOINT: input.hubEndpoint,
    ...(input.token ? { HF_TOKEN: input.token } : {}),
  };
  return new Promise((resolve, reject) => {
    execFile(python, args, { cwd: input.cwd, env, timeout: PREFLIGHT_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (!err) {
        resolve(lastMessage(stdout) ?? 'the base model can be loaded');
        return;
      }
      const error = stderr.split('\n').find((line) => line.startsWith('error: '));
      if (err.code === EXIT_INPUT_ERROR && error) {
        reject(new PermanentBackendError(error.slice('error: '.length)));
        return;
      }
      // A crash, a time-out or an unreachable Hub: the step's retry policy tries again.
      const last = lastMessage(stdout) ?? stderr.trim().split('\n').slice(-1)[0] ?? err.message;
      reject(new Error(`the transformers trainer's pre-flight check failed: ${last}`));
    });
  });
}

function lastMessage(stdout: string): string | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      const parsed = JSON.parse(line) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message.replace(/^failed: /, '');
    } catch {
      // not a progress line
    }
  }
  return undefined;
}
