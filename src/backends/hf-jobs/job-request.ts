/**
 * What hub-retrain asks Hugging Face Jobs to run for one RunContext: the image, the command (the pipeline's,
 * or the default that fine-tunes `input_model` with this project's transformers trainer), the flavor, the timeout,
 * the labels that find the job again, and the token as the HF_TOKEN secret and nowhere else.
 */
import {
  HF_JOBS_DEFAULT_TASKS,
  HF_JOBS_LABEL_VALUE,
  HF_JOBS_MANAGED_BY,
  HF_JOBS_PLACEHOLDER_PATTERN,
  HF_JOBS_RUN_LABELS,
  HF_JOBS_TOKEN_SECRET,
  type HF_JOBS_PLACEHOLDERS,
  type HfJobsBackendOptions,
} from '../../config/backends';
import type { InServicePointer } from '../../registry/model-registry';
import { trainerBundle } from '../transformers-trainer';
import { type DataRef, type RunContext } from '../types';
import { PermanentBackendError } from '../../errors';

/** The body of `POST /api/jobs/{namespace}` (spec/hf-jobs.md). */
export interface JobRequest {
  dockerImage: string;
  command: string[];
  arguments: string[];
  environment: Record<string, string>;
  secrets: Record<string, string>;
  flavor: string;
  timeoutSeconds: number;
  labels: Record<string, string>;
}

type Placeholder = (typeof HF_JOBS_PLACEHOLDERS)[number];

/**
 * The job's shell script. The trainer arrives as `$1` (trainers/transformers packed by `trainerBundle`: the
 * uv project, its lock and the trainer's sources, from this very project version), is unpacked, and runs
 * with `uv run --frozen`: the locked dependencies, nothing fetched from a moving branch. `job.py` downloads
 * the dataset at the exact revision, fine-tunes the base model and pushes the model with the HF_TOKEN secret.
 * The run's values arrive as positional parameters ($2..$7), never spliced into the script text, so no
 * dataset or model name can inject shell.
 */
export const DEFAULT_JOB_SCRIPT = trainerJobScript('job.py', 6);

/** The job's shell script for one of the trainer's job entries (`job.py`, `compare_job.py`) and its `count` values. */
export function trainerJobScript(entry: string, count: number): string {
  const values = Array.from({ length: count }, (_, i) => `"$${i + 2}"`).join(' ');
  return [
    'set -euo pipefail',
    'work="${RETRAIN_WORK_DIR:-/tmp/hub-retrain}"',
    'mkdir -p "$work/trainer"',
    'printf %s "$1" | base64 -d | tar -xzf - -C "$work/trainer"',
    'cd "$work/trainer"',
    `exec uv run --frozen --no-dev python ${entry} ${values}`,
  ].join('\n');
}

/** The default command for a task: the transformers trainer of trainers/transformers, as for the local backend. */
export function defaultCommand(task: string): string[] | undefined {
  if (!(HF_JOBS_DEFAULT_TASKS as readonly string[]).includes(task)) return undefined;
  const values = ['{dataset}', '{revision}', '{base_model}', '{output_repo}', '{task}', '{pipeline}'];
  return ['bash', '-c', DEFAULT_JOB_SCRIPT, 'hub-retrain', trainerBundle(), ...values];
}

/** The namespace jobs run (and are billed) under. */
export function jobNamespace(run: RunContext, options: HfJobsBackendOptions): string {
  return options.namespace ?? run.pipeline.target_namespace;
}

/** The model repo the default command pushes to: `<target_namespace>/<pipeline name>`. */
export function outputRepo(run: RunContext): string {
  return `${run.pipeline.target_namespace}/${run.pipeline.name}`;
}

/** Whether the job's command pushes to `outputRepo` (the default does; a custom one must say `{output_repo}`). */
export function pushesToOutputRepo(options: HfJobsBackendOptions): boolean {
  return !options.command || options.command.some((arg) => arg.includes('{output_repo}'));
}

/** A readable, unique name per pipeline, revision and attempt. */
export function runName(run: RunContext): string {
  return `${run.pipeline.name}-${run.revision.slice(0, 7)}${run.attempt > 1 ? `-r${run.attempt}` : ''}`;
}

/** The labels that identify a run's job: every retry of a step computes the same ones. */
export function runLabels(run: RunContext): Record<string, string> {
  return fitting({
    [HF_JOBS_RUN_LABELS.pipeline]: run.pipeline.name,
    [HF_JOBS_RUN_LABELS.revision]: run.revision,
    [HF_JOBS_RUN_LABELS.attempt]: String(run.attempt),
  });
}

/**
 * A dataset id as a label value. Label values allow letters, digits, ".", "-" and "_" only (the Jobs label
 * rule, src/config/backends.ts), so `/` becomes `--`, which Hub repo ids never contain (huggingface_hub
 * `validate_repo_id` forbids "--"): `acme/beans` -> `acme--beans`, as the Hub cache names repos.
 */
export function datasetLabel(dataset: string): string {
  return dataset.replace('/', '--');
}

/** Only labels the service accepts: a value that cannot be made to fit is left out rather than refused. */
export function fitting(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => HF_JOBS_LABEL_VALUE.test(value)));
}

export function jobRequest(
  run: RunContext,
  options: HfJobsBackendOptions,
  data: DataRef,
  token: string,
  inService?: InServicePointer,
): JobRequest {
  const template = options.command ?? defaultCommand(run.pipeline.task);
  if (!template) {
    // The config's schema refuses such a pipeline; a run started under an older config still ends clearly.
    throw new PermanentBackendError(
      `pipeline ${run.pipeline.name}: backend.command: no default command for task "${run.pipeline.task}": give a command`,
    );
  }
  const values: Record<Placeholder, string> = {
    dataset: data.dataset,
    revision: data.revision,
    base_model: run.pipeline.input_model,
    output_repo: outputRepo(run),
    pipeline: run.pipeline.name,
    task: run.pipeline.task,
  };
  const request: JobRequest = {
    dockerImage: options.image,
    command: template.map((arg) =>
      arg.replace(HF_JOBS_PLACEHOLDER_PATTERN, (whole, name: string) => values[name as Placeholder] ?? whole),
    ),
    arguments: [],
    environment: { ...options.env, ...comparisonEnv(run, inService) },
    secrets: { [HF_JOBS_TOKEN_SECRET]: token },
    flavor: options.flavor,
    timeoutSeconds: options.timeout_seconds,
    labels: {
      ...options.labels,
      ...runLabels(run),
      ...fitting({ [HF_JOBS_RUN_LABELS.dataset]: datasetLabel(data.dataset) }),
      [HF_JOBS_RUN_LABELS.managedBy]: HF_JOBS_MANAGED_BY,
    },
  };
  assertTokenOnlyInSecrets(request, token);
  return request;
}

/** Defence in depth: the token travels as the secret and never in what the job page and API echo. */
export function assertTokenOnlyInSecrets(request: JobRequest, token: string): void {
  const echoed = JSON.stringify([request.command, request.environment, request.labels, request.dockerImage]);
  if (echoed.includes(token)) {
    throw new PermanentBackendError(
      "hf-jobs: the Hugging Face token appears in the backend's command, env or labels; remove it",
    );
  }
}

/**
 * What job.py needs to measure the model in service on the same rows (issue 23): its Hub repo at the commit the
 * run in service pushed, and the name of that run (the comparison names the folder after it); the pinned
 * evaluation set. Names and commits only: nothing secret.
 */
export function comparisonEnv(run: RunContext, inService: InServicePointer | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (inService?.revision) {
    env.RETRAIN_CURRENT_MODEL = inService.model;
    env.RETRAIN_CURRENT_MODEL_REVISION = inService.revision;
    env.RETRAIN_CURRENT_RUN = inService.run;
  }
  const evaluation = run.pipeline.evaluation;
  if (evaluation?.revision) {
    env.RETRAIN_EVAL_DATASET = evaluation.dataset;
    env.RETRAIN_EVAL_REVISION = evaluation.revision;
  }
  return env;
}
