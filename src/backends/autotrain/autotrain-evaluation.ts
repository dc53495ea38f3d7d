/**
 * AutoTrain's evaluation step (issue 23). AutoTrain trains with its own code, which measures no model in service,
 * so after its training succeeds (on this worker; in a small Hugging Face Job when the pipeline says so:
 * evaluation-job.ts) the step downloads both models from the Hub (the candidate at the commit
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
import { currentModelDir } from '../local/evaluation-inputs';
import { runTrainerCommand } from '../trainer-process';
import { transformersTrainer } from '../transformers-trainer';
import type { DataRef, RunContext } from '../types';
import { compareInJob, type EvaluationJobDeps } from './evaluation-job';
import { evaluationRunner, pinnedSetOrUnmade, recordedWithoutCommit, splitsEnv, type Made } from './same-rows-inputs';

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
  /** For the evaluation Job (runner hf-jobs): the activity's heartbeat and cancellation. */
  job?: EvaluationJobDeps;
}

const COMPARE_TIMEOUT_MS = 55 * 60_000;

/**
 * Measures the model AutoTrain pushed to `model` and the model in service on the same rows: on this worker, or in a
 * small Hugging Face Job when the pipeline's `backend.evaluation.runner` says so (evaluation-job.ts). A comparison it
 * cannot make is an answer (`missing`, or `unmade` when the pinned evaluation set cannot be read); it throws only
 * what a retry may fix (EvaluationSetUnreadable for a set the Hub may serve again, a Jobs API that is down).
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
  const inJob = evaluationRunner(pipeline) === 'hf-jobs';
  const command = deps.command ?? transformersTrainer().compare;
  if (!inJob && !existsSync(command[0]!))
    return { missing: `the transformers trainer is not set up on this worker (npm run setup:transformers)` };
  const access = { hubUrl: deps.hub.hubUrl, accessToken: deps.hub.token, fetch: deps.hub.fetch };
  const modelRevision = await modelCommit(model, access);
  if (!modelRevision) return { missing: `the model AutoTrain pushed, ${model}, cannot be read` };
  const work = resolve(deps.stateDir, 'autotrain-evaluation', pipeline.name, run.revision);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const made = inJob
    ? await compareInJob({ run, data, model, modelRevision, work }, deps)
    : await compareHere(run, data, { model, modelRevision, work, command }, deps);
  if ('missing' in made || 'unmade' in made) return { modelRevision, ...made };
  const read = readComparison(work);
  if ('missing' in read) return { modelRevision, missing: read.missing };
  const comparison: Comparison = { ...read.comparison, ...(made.said ? { current: made.said } : {}) };
  const registryDir = deps.registry.runDir(pipeline.name, run.revision);
  mkdirSync(registryDir, { recursive: true });
  writeFileSync(join(registryDir, COMPARISON_FILE), JSON.stringify(comparison));
  return { modelRevision, rows: comparison.truth.length };
}

/** compare.py on this worker, on the candidate, the model in service and the dataset downloaded here. */
async function compareHere(
  run: RunContext,
  data: DataRef,
  step: { model: string; modelRevision: string; work: string; command: string[] },
  deps: SameRowsDeps,
): Promise<Made> {
  const { pipeline } = run;
  const { model, modelRevision, work } = step;
  const cache = { ...deps.hub, cacheDir: resolve(deps.stateDir, 'hub-cache') };
  const candidateDir = await downloadHubSnapshot(model, modelRevision, cache, 'model');
  if (!existsSync(join(candidateDir, 'config.json')))
    return { missing: `the model AutoTrain pushed, ${model}, holds no config.json` };
  const dataDir = await downloadHubSnapshot(data.dataset, data.revision, cache);
  const pinned = await pinnedSetOrUnmade(pipeline, deps);
  if ('unmade' in pinned) return pinned;
  const current = await inService(pipeline, deps, work, cache);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HF_HUB_OFFLINE: '1', // every input is a folder here: the step reads nothing from the network
    RETRAIN_DATA_DIR: dataDir,
    RETRAIN_TASK: pipeline.task,
    RETRAIN_CANDIDATE_DIR: candidateDir,
    RETRAIN_OUTPUT_DIR: work,
    ...splitsEnv(data),
    ...('dir' in current ? { RETRAIN_CURRENT_MODEL_DIR: current.dir } : {}),
    ...(pinned.dir ? { RETRAIN_EVAL_DATA_DIR: pinned.dir } : {}),
  };
  try {
    await runTrainerCommand(step.command, {
      what: "AutoTrain's evaluation step",
      env,
      timeoutMs: COMPARE_TIMEOUT_MS,
    });
  } catch (err) {
    return { missing: `AutoTrain's evaluation step could not compare: ${(err as Error).message}` };
  }
  return 'said' in current ? { said: current.said } : {};
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
    return { said: { dir, status: 'foreign', error: recordedWithoutCommit(pointer) } };
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
