/**
 * What hub-retrain asks Hugging Face Jobs to run for one RunContext: the image, the command (the pipeline's,
 * or the default that fine-tunes `input_model` with a transformers example script), the flavor, the timeout,
 * the labels that find the job again, and the token as the HF_TOKEN secret and nowhere else.
 */
import {
  HF_JOBS_DEFAULT_TASKS,
  HF_JOBS_LABEL_VALUE,
  HF_JOBS_PLACEHOLDER_PATTERN,
  HF_JOBS_RUN_LABELS,
  HF_JOBS_TOKEN_SECRET,
  type HF_JOBS_PLACEHOLDERS,
  type HfJobsBackendOptions,
} from '../../config/backends';
import { ConfigError } from '../../config/load-config';
import type { DataRef, RunContext } from '../types';

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

type DefaultTask = (typeof HF_JOBS_DEFAULT_TASKS)[number];
type Placeholder = (typeof HF_JOBS_PLACEHOLDERS)[number];

const EXAMPLES = 'https://raw.githubusercontent.com/huggingface/transformers/main/examples/pytorch';
/** Where the default command puts the dataset snapshot it downloads at the exact revision. */
const DATA_DIR = '/tmp/dataset';

/** The transformers example script per task, with the arguments that task needs beyond the common ones. */
const EXAMPLE_SCRIPTS: Record<DefaultTask, { script: string; args: string[] }> = {
  'image-classification': {
    script: `${EXAMPLES}/image-classification/run_image_classification.py`,
    // The pretrained head (ResNet-50: 1,000 ImageNet classes) rarely fits the dataset's labels, and the
    // image column must survive until the script's transforms read it.
    args: ['--ignore_mismatched_sizes', '--remove_unused_columns', 'False'],
  },
  'text-classification': {
    script: `${EXAMPLES}/text-classification/run_classification.py`,
    args: ['--ignore_mismatched_sizes', '--text_column_names', 'text', '--label_column_name', 'label'],
  },
};

const COMMON_TRAINING_ARGS = [
  ['--do_train', '--do_eval', '--eval_strategy', 'epoch'],
  ['--num_train_epochs', '5', '--learning_rate', '2e-5', '--output_dir', '/tmp/out', '--report_to', 'none'],
].flat();

/**
 * The default command for a task. The example scripts take no dataset revision, so the job first downloads
 * the dataset at the exact commit (`hf download --revision`) and trains on that folder. The values arrive as
 * positional parameters of `bash -c` ($1..$4), never spliced into the script text, so no dataset or model
 * name can inject shell. The trainer pushes the model (and its `*_results.json`) with the HF_TOKEN secret.
 */
export function defaultCommand(task: string): string[] | undefined {
  if (!(task in EXAMPLE_SCRIPTS)) return undefined;
  const { script, args } = EXAMPLE_SCRIPTS[task as DefaultTask];
  const train = ['uv', 'run', script, '--model_name_or_path', '"$3"', '--dataset_name', DATA_DIR, ...args];
  train.push(...COMMON_TRAINING_ARGS, '--push_to_hub', '--hub_model_id', '"$4"');
  const shell = [
    'set -eu',
    `uvx --from huggingface_hub hf download "$1" --repo-type dataset --revision "$2" --local-dir ${DATA_DIR}`,
    `exec ${train.join(' ')}`,
  ].join('\n');
  return ['bash', '-c', shell, 'hub-retrain', '{dataset}', '{revision}', '{base_model}', '{output_repo}'];
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
function fitting(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => HF_JOBS_LABEL_VALUE.test(value)));
}

export function jobRequest(run: RunContext, options: HfJobsBackendOptions, data: DataRef, token: string): JobRequest {
  const template = options.command ?? defaultCommand(run.pipeline.task);
  if (!template) {
    throw new ConfigError(`pipeline ${run.pipeline.name}`, [
      { path: 'backend.command', message: `no default command for task "${run.pipeline.task}": give a command` },
    ]);
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
    environment: { ...options.env },
    secrets: { [HF_JOBS_TOKEN_SECRET]: token },
    flavor: options.flavor,
    timeoutSeconds: options.timeout_seconds,
    labels: {
      ...options.labels,
      ...runLabels(run),
      ...fitting({ [HF_JOBS_RUN_LABELS.dataset]: datasetLabel(data.dataset) }),
    },
  };
  assertTokenOnlyInSecrets(request, token);
  return request;
}

/** Defence in depth: the token travels as the secret and never in what the job page and API echo. */
function assertTokenOnlyInSecrets(request: JobRequest, token: string): void {
  const echoed = JSON.stringify([request.command, request.environment, request.labels, request.dockerImage]);
  if (echoed.includes(token)) {
    throw new ConfigError('hf-jobs', [
      { path: 'backend', message: 'the Hugging Face token appears in the command, env or labels; remove it' },
    ]);
  }
}
