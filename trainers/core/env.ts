import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TrainerInputError } from './errors';
import { TASKS, trainerParamsSchema, type Task, type TrainerParams } from './params';

/** The trainer command's whole input, as the local backend passes it (see trainers/README.md). */
export interface TrainerEnv {
  dataDir: string;
  outputDir: string;
  task: Task;
  /** The pipeline's `input_model`; the default trainers record it but start from scratch. */
  baseModel?: string;
  params: TrainerParams;
  /** The model in service, measured on the same rows as the new one (comparison.json); unset: none. */
  currentModelDir?: string;
  /** A pinned evaluation set: the rows both models are measured on. */
  evalDataDir?: string;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const envSchema = z.object({
  RETRAIN_DATA_DIR: z.string({ message: 'required: the dataset folder' }).min(1),
  RETRAIN_OUTPUT_DIR: z.string({ message: 'required: the folder to write the model to' }).min(1),
  RETRAIN_TASK: z.enum(TASKS, { message: `expected one of ${TASKS.join(', ')}` }),
  RETRAIN_BASE_MODEL: z.preprocess(blankToUndefined, z.string().optional()),
  RETRAIN_PARAMS: z.preprocess(blankToUndefined, z.string().optional()),
  RETRAIN_CURRENT_MODEL_DIR: z.preprocess(blankToUndefined, z.string().optional()),
  RETRAIN_EVAL_DATA_DIR: z.preprocess(blankToUndefined, z.string().optional()),
});

/** Reads and checks the environment; every problem is a TrainerInputError naming the variable or key. */
export function readTrainerEnv(source: NodeJS.ProcessEnv = process.env): TrainerEnv {
  const env = envSchema.safeParse(source);
  if (!env.success) throw new TrainerInputError(describeIssues(env.error, ''));
  const dataDir = resolve(env.data.RETRAIN_DATA_DIR);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new TrainerInputError(`RETRAIN_DATA_DIR: ${dataDir} is not a folder`);
  }
  return {
    dataDir,
    outputDir: resolve(env.data.RETRAIN_OUTPUT_DIR),
    task: env.data.RETRAIN_TASK,
    baseModel: env.data.RETRAIN_BASE_MODEL,
    params: parseParams(env.data.RETRAIN_PARAMS ?? '{}'),
    // A missing model in service is not an input error: the comparison says it could not be measured.
    currentModelDir: env.data.RETRAIN_CURRENT_MODEL_DIR && resolve(env.data.RETRAIN_CURRENT_MODEL_DIR),
    evalDataDir: env.data.RETRAIN_EVAL_DATA_DIR && resolve(env.data.RETRAIN_EVAL_DATA_DIR),
  };
}

export function parseParams(json: string): TrainerParams {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new TrainerInputError(`RETRAIN_PARAMS: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const params = trainerParamsSchema.safeParse(raw);
  if (!params.success) throw new TrainerInputError(describeIssues(params.error, 'RETRAIN_PARAMS'));
  return params.data;
}

/**
 * "RETRAIN_PARAMS.epoch: unknown key; RETRAIN_PARAMS.seed: expected number": every issue at its key path (an
 * unknown key at its own, a union's at the branch that got furthest), never the value received.
 */
function describeIssues(error: z.ZodError, prefix: string): string {
  const lines = (issues: readonly z.core.$ZodIssue[], at: readonly PropertyKey[] = []): string[] =>
    issues.flatMap((issue) => {
      const path = [...at, ...issue.path];
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((key) => `${where(prefix, [...path, key])}: unknown key`);
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        return lines([...issue.errors].sort((a, b) => b.length - a.length)[0]!, path);
      }
      return [`${where(prefix, path)}: ${issue.message}`];
    });
  return lines(error.issues).join('; ');
}

/** `RETRAIN_PARAMS.text_column[0]`; the prefix alone (or "(top level)") for the whole value. */
function where(prefix: string, path: readonly PropertyKey[]): string {
  const keys = path.map((part, i) =>
    typeof part === 'number' ? `[${part}]` : i === 0 && !prefix ? String(part) : `.${String(part)}`,
  );
  return `${prefix}${keys.join('')}` || '(top level)';
}
