/**
 * AutoTrain's evaluation step in a small Hugging Face Job (`backend.evaluation.runner: "hf-jobs"`, issue 23): the Job
 * runs the transformers trainer's `compare_job.py` (packed and run as the hf-jobs backend's training job is:
 * job-request.ts), which downloads the candidate at the commit AutoTrain pushed, the model in service at its recorded
 * commit and the dataset at the run's revision, measures both models on the same rows with compare.py's code, and
 * pushes `comparison.json` to the candidate's repo, where it is read back (readPushedComparison). One Job per run,
 * found again by its labels on a retry; polled with a heartbeat; cancelled with the activity.
 */
import {
  EVALUATION_JOB_DEFAULTS,
  HF_JOBS_DEFAULT_IMAGE,
  HF_JOBS_MANAGED_BY,
  HF_JOBS_RUN_LABELS,
  HF_JOBS_TOKEN_SECRET,
} from '../../config/backends';
import type { PipelineSpec } from '../../config/config-schema';
import type { HubSnapshotOptions } from '../../datasets/hub-snapshot';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readPushedComparison } from '../../registry/pushed-comparison';
import { COMPARISON_FILE, type Comparison } from '../../registry/comparison-file';
import type { InServicePointer, ModelRegistry } from '../../registry/model-registry';
import { cancelJob, runOnce, type CancelPolicy } from '../hf-jobs/job-lifecycle';
import {
  assertTokenOnlyInSecrets,
  comparisonEnv,
  runLabels,
  trainerJobScript,
  type JobRequest,
} from '../hf-jobs/job-request';
import { isTerminalStage } from '../hf-jobs/job-stage';
import { JobsClient, type JobInfo } from '../hf-jobs/jobs-client';
import { currentModelDir } from '../local/evaluation-inputs';
import { trainerBundle } from '../transformers-trainer';
import type { DataRef, RunContext } from '../types';
import { pinnedSetOrUnmade, recordedWithoutCommit, splitsEnv, type Made } from './same-rows-inputs';

/** The activity's side of a running Job. */
export interface EvaluationJobDeps {
  /** Called at each check of the Job: the activity's heartbeat. */
  heartbeat(details: { jobId: string; stage: string }): void;
  /** Aborted when the activity is cancelled: the Job is cancelled with it. */
  signal: AbortSignal;
  /** Told which Job runs the step (a new one, or the one an earlier attempt ran: `reused`). */
  started?(job: { id: string; page: string; reused: boolean }): void;
  /** Between checks of the Job (default: the pipeline's poll_interval_seconds, at most 30 s). */
  pollMs?: number;
  cancelPolicy?: CancelPolicy;
}

/** The value of HF_JOBS_RUN_LABELS.step on an evaluation Job. */
export const EVALUATION_STEP = 'evaluation';
/** How long a Job may wait to be scheduled, on top of its timeout, before the step gives up on it. */
const SCHEDULING_ALLOWANCE_MS = 5 * 60_000;
const MAX_POLL_MS = 30_000;
/** Where compare_job.py works inside the Job (job-request.ts's script default): the in-service link is under it. */
const JOB_WORK_DIR = '/tmp/hub-retrain';

/** The labels that find a run's evaluation Job again: every retry of the step computes the same ones. */
export function evaluationLabels(run: RunContext): Record<string, string> {
  return { ...runLabels(run), [HF_JOBS_RUN_LABELS.step]: EVALUATION_STEP };
}

/** The Job's flavor and timeout: the pipeline's `backend.evaluation`, else small defaults. */
export function evaluationJobOptions(pipeline: PipelineSpec): { flavor: string; timeoutSeconds: number } {
  const evaluation = pipeline.backend.type === 'autotrain' ? pipeline.backend.evaluation : undefined;
  return {
    flavor: evaluation?.flavor ?? EVALUATION_JOB_DEFAULTS.flavor,
    timeoutSeconds: evaluation?.timeout_seconds ?? EVALUATION_JOB_DEFAULTS.timeout_seconds,
  };
}

/**
 * The body of the Job: `compare_job.py <candidate> <its commit> <dataset> <revision> <task>` from the trainer bundle,
 * AutoTrain's columns and splits and the model in service in the environment, the token as the HF_TOKEN secret only.
 */
export function evaluationJobRequest(
  run: RunContext,
  data: DataRef,
  candidate: { model: string; revision: string },
  inService: InServicePointer | undefined,
  token: string,
): JobRequest {
  const { flavor, timeoutSeconds } = evaluationJobOptions(run.pipeline);
  const values = [candidate.model, candidate.revision, data.dataset, data.revision, run.pipeline.task];
  const script = trainerJobScript('compare_job.py', values.length);
  const request: JobRequest = {
    dockerImage: HF_JOBS_DEFAULT_IMAGE,
    command: ['bash', '-c', script, 'hub-retrain', trainerBundle(), ...values],
    arguments: [],
    environment: { ...splitsEnv(data), ...comparisonEnv(run, inService) },
    secrets: { [HF_JOBS_TOKEN_SECRET]: token },
    flavor,
    timeoutSeconds,
    labels: { ...evaluationLabels(run), [HF_JOBS_RUN_LABELS.managedBy]: HF_JOBS_MANAGED_BY },
  };
  assertTokenOnlyInSecrets(request, token);
  return request;
}

export interface EvaluationJobStep {
  run: RunContext;
  data: DataRef;
  model: string;
  modelRevision: string;
  /** Where comparison.json is written for the step's shared tail. */
  work: string;
}

/**
 * Runs (or finds again) the run's evaluation Job and waits for it; on success, its pushed comparison.json is in
 * `work`. A Job that fails, times out or pushes nothing is `missing` (the gate compares as recorded, and says why).
 * A cancelled activity cancels the Job, then throws.
 */
export async function compareInJob(
  step: EvaluationJobStep,
  deps: {
    hub: Omit<HubSnapshotOptions, 'cacheDir'>;
    stateDir: string;
    registry: ModelRegistry;
    job?: EvaluationJobDeps;
  },
): Promise<Made> {
  const { run, data, model, modelRevision } = step;
  const token = deps.hub.token;
  if (!token) return { missing: 'the evaluation Job needs a Hugging Face token that can run jobs (HF_TOKEN)' };
  const pinned = await pinnedSetOrUnmade(run.pipeline, deps);
  if ('unmade' in pinned) return pinned;
  const current = inService(run.pipeline, deps.registry);
  const client = new JobsClient(deps.hub.hubUrl, token, deps.hub.fetch);
  const namespace = run.pipeline.target_namespace;
  const labels = evaluationLabels(run);
  // Any Job of this run's step, whatever its end: a retry never runs a second one.
  const find = async () => (await client.list(namespace, { labels }))[0];
  const request = () => evaluationJobRequest(run, data, { model, revision: modelRevision }, current.pointer, token);
  const { job, reused } = await runOnce(client, namespace, request, find);
  const page = client.jobPage(job.owner?.name ?? namespace, job.id);
  deps.job?.started?.({ id: job.id, page, reused });
  const ended = await waitForEnd(client, namespace, job, run, deps.job);
  if (ended.status.stage !== 'COMPLETED') return { missing: await failure(client, namespace, ended, page) };
  const access = { hubUrl: deps.hub.hubUrl, accessToken: token, fetch: deps.hub.fetch };
  const pushed = await readPushedComparison(model, access);
  // The candidate's commit is AutoTrain's: a comparison.json there (or none) is not this Job's.
  if (!pushed.comparison || pushed.revision === modelRevision)
    return { missing: `the evaluation Job ${page} completed but pushed no ${COMPARISON_FILE} to ${model}` };
  writeFileSync(join(step.work, COMPARISON_FILE), pushed.comparison);
  return current.said ? { said: current.said } : {};
}

/**
 * Checks the Job until it ends, heartbeating; gives up on it (cancelling it) past its timeout and the time it may
 * wait to be scheduled, counted from its creation so a retry keeps the same deadline.
 */
async function waitForEnd(
  client: JobsClient,
  namespace: string,
  job: JobInfo,
  run: RunContext,
  deps: EvaluationJobDeps | undefined,
): Promise<JobInfo> {
  const { timeoutSeconds } = evaluationJobOptions(run.pipeline);
  const created = job.createdAt ? Date.parse(job.createdAt) : Date.now();
  const deadline = created + timeoutSeconds * 1000 + SCHEDULING_ALLOWANCE_MS;
  const pollMs = deps?.pollMs ?? Math.min(run.pipeline.poll_interval_seconds * 1000, MAX_POLL_MS);
  const signal = deps?.signal ?? new AbortController().signal;
  let info = job;
  try {
    while (!isTerminalStage(info.status.stage)) {
      deps?.heartbeat({ jobId: job.id, stage: info.status.stage });
      if (Date.now() > deadline) {
        await cancelJob(client, namespace, job.id, deps?.cancelPolicy);
        const waited = Math.round((Date.now() - created) / 60_000);
        return { ...info, status: { stage: 'ERROR', message: `still ${info.status.stage} after ${waited} minutes` } };
      }
      await delay(pollMs, undefined, { signal });
      info = (await client.get(namespace, job.id)) ?? { ...info, status: { stage: 'DELETED', message: 'gone' } };
    }
    return info;
  } catch (err) {
    if (!signal.aborted) throw err; // a retry finds the Job again and goes on waiting
    // The activity was cancelled (its run was): stop the Job too. Its own failure must not hide the cancellation.
    await cancelJob(client, namespace, job.id, deps?.cancelPolicy).catch(() => undefined);
    throw err;
  }
}

/** Why the Job did not complete, with the last `error:` line the trainer printed (when the log can be read). */
async function failure(client: JobsClient, namespace: string, job: JobInfo, page: string): Promise<string> {
  const tail = await client.logTail(namespace, job.id, 50).catch(() => [] as string[]);
  const said = tail.filter((line) => line.startsWith('error: ')).at(-1);
  const why = job.status.message ? `: ${job.status.message}` : '';
  return `the evaluation Job ${page} ended ${job.status.stage}${why}${said ? ` (${said})` : ''}`;
}

/**
 * The model in service as compare_job.py downloads it: a Hub model at its recorded commit. A pointer without a commit,
 * or a model folder on this worker (a local run's, before the pipeline moved to AutoTrain), is said instead.
 */
function inService(
  pipeline: PipelineSpec,
  registry: ModelRegistry,
): { pointer?: InServicePointer; said?: NonNullable<Comparison['current']> } {
  const pointer = registry.currentPointer(pipeline.name);
  if (!pointer) {
    const dir = currentModelDir(registry.root, pipeline.name);
    const error = `the model in service is a folder on this worker (${dir}), which the evaluation Job cannot load`;
    return dir ? { said: { dir, status: 'foreign', error } } : {};
  }
  if (pointer.revision) return { pointer };
  const dir = `${JOB_WORK_DIR}/in-service/${pointer.run}`;
  return { said: { dir, status: 'foreign', error: recordedWithoutCommit(pointer) } };
}
