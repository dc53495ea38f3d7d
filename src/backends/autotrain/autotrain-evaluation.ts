/**
 * AutoTrain's evaluation step (issue 23). AutoTrain trains with its own code, which measures no model in service,
 * so after its training succeeds the worker downloads both models from the Hub (the candidate at the commit
 * AutoTrain pushed, the model in service at the commit its run recorded) and the dataset at the run's revision (the
 * commit that was staged for AutoTrain), and runs the transformers trainer's `compare.py` on them: both models on
 * the same rows, by the same code, into the run's `comparison.json` in the registry, which the gate reads.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { PipelineSpec } from '../../config/config-schema';
import { downloadHubSnapshot, type HubSnapshotOptions } from '../../datasets/hub-snapshot';
import { modelCommit } from '../../registry/pushed-comparison';
import { COMPARISON_FILE, readComparison, type Comparison } from '../../registry/comparison-file';
import type { ModelRegistry } from '../../registry/model-registry';
import { currentModelDir, pinnedEvaluationSet } from '../local/evaluation-inputs';
import { runTrainerCommand } from '../trainer-process';
import { transformersTrainer } from '../transformers-trainer';
import { type DataRef, type RunContext } from '../types';
import { PermanentBackendError } from '../../errors';
import type { ColumnMapping } from './column-mapping';
import { EvaluationSetUnreadable } from '../../workflows/evaluation-failure';

/** What the evaluation step did, for the gate (evaluateModel). Plain JSON: it lands in the run's history. */
export interface SameRowsResult {
  /** The commit of the candidate's repo that was measured: recorded as the model's revision. */
  modelRevision?: string;
  /** Why no comparison.json was written: the gate then compares the numbers as recorded, and says why. */
  missing?: string;
  /**
   * A comparison the pipeline asked for that could not be made (its pinned evaluation set cannot be read): the gate
   * promotes nothing on it, and says why.
   */
  unmade?: string;
  /** How many rows both models were measured on. */
  rows?: number;
}

export interface SameRowsDeps {
  hub: Omit<HubSnapshotOptions, 'cacheDir'>;
  stateDir: string;
  registry: ModelRegistry;
  /** The trainer's `compare` command (default: the transformers trainer's compare.py in its venv). */
  command?: string[];
}

const COMPARE_TIMEOUT_MS = 55 * 60_000;

/** The trainer's parameters for AutoTrain's column mapping (its keys -> the trainer's column parameters). */
export function trainerColumns(mapping: ColumnMapping): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (mapping.text_column) params.text_column = mapping.text_column;
  if (mapping.image_column) params.image_column = String(mapping.image_column);
  if (mapping.target_column) params.label_column = String(mapping.target_column);
  return params;
}

/**
 * Measures the model AutoTrain pushed to `model` and the model in service on the same rows. A comparison it cannot
 * make is an answer (`missing`, or `unmade` when the pinned evaluation set cannot be read); it throws only what a
 * retry may fix (EvaluationSetUnreadable for a set the Hub may serve again).
 */
export async function measureOnSameRows(
  run: RunContext,
  data: DataRef,
  model: string,
  deps: SameRowsDeps,
): Promise<SameRowsResult> {
  const { pipeline } = run;
  if (pipeline.task !== 'text-classification' && pipeline.task !== 'image-classification')
    return { missing: `AutoTrain's evaluation step measures text and image classification, not ${pipeline.task}` };
  const command = deps.command ?? transformersTrainer().compare;
  if (!existsSync(command[0]!))
    return { missing: `the transformers trainer is not set up on this worker (npm run setup:transformers)` };
  const access = { hubUrl: deps.hub.hubUrl, accessToken: deps.hub.token, fetch: deps.hub.fetch };
  const cache = { ...deps.hub, cacheDir: resolve(deps.stateDir, 'hub-cache') };
  const modelRevision = await modelCommit(model, access);
  if (!modelRevision) return { missing: `the model AutoTrain pushed, ${model}, cannot be read` };
  const candidateDir = await downloadHubSnapshot(model, modelRevision, cache, 'model');
  if (!existsSync(join(candidateDir, 'config.json')))
    return { modelRevision, missing: `the model AutoTrain pushed, ${model}, holds no config.json` };
  const dataDir = await downloadHubSnapshot(data.dataset, data.revision, cache);
  const work = resolve(deps.stateDir, 'autotrain-evaluation', pipeline.name, run.revision);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  let evalDataDir: string | undefined;
  try {
    evalDataDir = await pinnedEvaluationSet(pipeline, deps.stateDir, deps.hub, 'no comparison was made');
  } catch (err) {
    if (err instanceof PermanentBackendError) return { modelRevision, unmade: err.message };
    throw new EvaluationSetUnreadable((err as Error).message);
  }
  const current = await inService(pipeline, deps, work, cache);
  const mapping = data.detail?.column_mapping;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HF_HUB_OFFLINE: '1', // every input is a folder here: the step reads nothing from the network
    RETRAIN_DATA_DIR: dataDir,
    RETRAIN_TASK: pipeline.task,
    RETRAIN_PARAMS: JSON.stringify(mapping ? trainerColumns(JSON.parse(mapping) as ColumnMapping) : {}),
    RETRAIN_CANDIDATE_DIR: candidateDir,
    RETRAIN_OUTPUT_DIR: work,
    RETRAIN_TRAIN_SPLIT: data.detail?.train_split ?? 'train',
    ...(data.detail?.valid_split ? { RETRAIN_VALID_SPLIT: data.detail.valid_split } : {}),
    ...('dir' in current ? { RETRAIN_CURRENT_MODEL_DIR: current.dir } : {}),
    ...(evalDataDir ? { RETRAIN_EVAL_DATA_DIR: evalDataDir } : {}),
  };
  try {
    await runTrainerCommand(command, { what: "AutoTrain's evaluation step", env, timeoutMs: COMPARE_TIMEOUT_MS });
  } catch (err) {
    return { modelRevision, missing: `AutoTrain's evaluation step could not compare: ${(err as Error).message}` };
  }
  const read = readComparison(work);
  if ('missing' in read) return { modelRevision, missing: read.missing };
  const comparison: Comparison = { ...read.comparison, ...('said' in current ? { current: current.said } : {}) };
  const registryDir = deps.registry.runDir(pipeline.name, run.revision);
  mkdirSync(registryDir, { recursive: true });
  writeFileSync(join(registryDir, COMPARISON_FILE), JSON.stringify(comparison));
  return { modelRevision, rows: comparison.truth.length };
}

/**
 * The model in service as a folder the trainer loads: a Hub model (the pointer an AutoTrain or Jobs run recorded)
 * downloaded at its recorded commit, behind a link named after its run (the gate matches the comparison to the
 * model in service by it); or a model folder in the registry (a local run's). What it cannot be is said instead.
 */
async function inService(
  pipeline: PipelineSpec,
  deps: SameRowsDeps,
  work: string,
  cache: HubSnapshotOptions,
): Promise<{ dir: string } | { said: NonNullable<Comparison['current']> } | { none: true }> {
  const pointer = deps.registry.currentPointer(pipeline.name);
  if (!pointer) {
    const dir = currentModelDir(deps.registry.root, pipeline.name);
    return dir ? { dir } : { none: true };
  }
  const dir = join(work, 'in-service', pointer.run);
  if (!pointer.revision) {
    const error = `the model in service ${pointer.model} was recorded without the commit its run pushed, so it cannot be measured at a fixed revision`;
    return { said: { dir, status: 'foreign', error } };
  }
  try {
    const snapshot = await downloadHubSnapshot(pointer.model, pointer.revision, cache, 'model');
    mkdirSync(dirname(dir), { recursive: true });
    symlinkSync(snapshot, dir);
    return { dir };
  } catch (err) {
    const error = `cannot download ${pointer.model} at ${pointer.revision.slice(0, 7)}: ${(err as Error).message}`;
    return { said: { dir, status: 'unreadable', error } };
  }
}
