import { z } from 'zod';
import { transformersParamsSchema } from './transformers-params';

/** Hardware names the AutoTrain Advanced API accepts (spec/autotrain.md). */
export const AUTOTRAIN_HARDWARE = [
  'spaces-cpu-basic',
  'spaces-cpu-upgrade',
  'spaces-t4-small',
  'spaces-t4-medium',
  'spaces-a10g-small',
  'spaces-a10g-large',
  'spaces-a10g-largex2',
  'spaces-a10g-largex4',
  'spaces-a100-large',
  'spaces-l4x1',
  'spaces-l4x4',
  'spaces-l40sx1',
  'spaces-l40sx4',
  'spaces-l40sx8',
] as const;

/**
 * Per AutoTrain task, the keys `create_project` requires in `column_mapping` (autotrain-advanced
 * `src/autotrain/app/api_routes.py`, `APICreateProjectModel.validate_column_mapping`; the task list is its
 * `task` literal). There are no server-side defaults.
 */
export const AUTOTRAIN_COLUMN_MAPPING_KEYS: Readonly<Record<string, readonly string[]>> = {
  'llm:sft': ['text_column'],
  'llm:dpo': ['text_column', 'rejected_text_column', 'prompt_text_column'],
  'llm:orpo': ['text_column', 'rejected_text_column', 'prompt_text_column'],
  'llm:generic': ['text_column'],
  'llm:reward': ['text_column', 'rejected_text_column'],
  'st:pair': ['sentence1_column', 'sentence2_column'],
  'st:pair_class': ['sentence1_column', 'sentence2_column', 'target_column'],
  'st:pair_score': ['sentence1_column', 'sentence2_column', 'target_column'],
  'st:triplet': ['sentence1_column', 'sentence2_column', 'sentence3_column'],
  'st:qa': ['sentence1_column', 'sentence2_column'],
  'image-classification': ['image_column', 'target_column'],
  seq2seq: ['text_column', 'target_column'],
  'token-classification': ['tokens_column', 'tags_column'],
  'text-classification': ['text_column', 'target_column'],
  'text-regression': ['text_column', 'target_column'],
  'tabular-classification': ['id_column', 'target_columns'],
  'tabular-regression': ['id_column', 'target_columns'],
  'image-regression': ['image_column', 'target_column'],
  'vlm:captioning': ['image_column', 'text_column', 'prompt_text_column'],
  'vlm:vqa': ['image_column', 'text_column', 'prompt_text_column'],
  'extractive-question-answering': ['text_column', 'question_column', 'answer_column'],
  'image-object-detection': ['image_column', 'objects_column'],
};
/** Tasks whose column mapping hub-retrain reads from the dataset when the pipeline names none. */
export const AUTOTRAIN_DERIVED_MAPPING_TASKS = ['image-classification', 'text-classification'] as const;

/** What a Jobs `command` may refer to; each `{name}` is replaced by the run's value. */
export const HF_JOBS_PLACEHOLDERS = ['dataset', 'revision', 'base_model', 'output_repo', 'pipeline', 'task'] as const;
/** Tasks the Jobs backend has a default command for (the transformers example scripts). */
export const HF_JOBS_DEFAULT_TASKS = ['image-classification', 'text-classification'] as const;
export const HF_JOBS_DEFAULT_IMAGE = 'ghcr.io/astral-sh/uv:python3.12-bookworm';
/** Labels hub-retrain sets itself to find a run's job again; a pipeline may not set them. */
export const HF_JOBS_RUN_LABELS = {
  pipeline: 'retrain-pipeline',
  dataset: 'retrain-dataset',
  revision: 'retrain-revision',
  attempt: 'retrain-attempt',
  /** What a job does for its run when it is not the training (AutoTrain's evaluation Job: `evaluation`). */
  step: 'retrain-step',
  /** Every job hub-retrain runs, whatever the pipeline: what a worker's shared check lists them by (jobs-watch.ts). */
  managedBy: 'retrain-managed-by',
} as const;
/** The value of HF_JOBS_RUN_LABELS.managedBy. */
export const HF_JOBS_MANAGED_BY = 'hub-retrain';
/** The job gets the token as this secret, and only as this secret. */
export const HF_JOBS_TOKEN_SECRET = 'HF_TOKEN';

/** `{name}` in a command argument. */
export const HF_JOBS_PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const LOOKS_LIKE_TOKEN = /hf_[A-Za-z0-9]{20,}/;
const noToken = (where: string) =>
  z.string().refine((s) => !LOOKS_LIKE_TOKEN.test(s), {
    message: `looks like a Hugging Face token: never put one in ${where}; the job receives HF_TOKEN as a secret`,
  });

const commandArgument = noToken('the command').superRefine((arg, ctx) => {
  for (const [, name] of arg.matchAll(HF_JOBS_PLACEHOLDER_PATTERN)) {
    if (!(HF_JOBS_PLACEHOLDERS as readonly string[]).includes(name!)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${name}}; expected one of ${HF_JOBS_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      });
    }
  }
});

const jobEnvironment = z.record(z.string(), noToken('env')).superRefine((env, ctx) => {
  for (const key of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'expected an environment variable name' });
    } else if (key === HF_JOBS_TOKEN_SECRET || key === 'HF_ACCESS_TOKEN') {
      ctx.addIssue({ code: 'custom', path: [key], message: 'the token is passed as the HF_TOKEN secret, not in env' });
    }
  }
});

/**
 * Job label keys and values: "max 100 characters and contain only alphanumeric characters, dots, dashes, and
 * underscores" (huggingface_hub `hf_api.py`, `update_job_labels`). Jobs refuses a job whose labels do not fit.
 */
export const HF_JOBS_LABEL_KEY = /^[A-Za-z0-9._-]{1,100}$/;
export const HF_JOBS_LABEL_VALUE = /^[A-Za-z0-9._-]{0,100}$/;
const LABEL_RULE = 'at most 100 letters, digits, ".", "-" or "_" (the Jobs label rule)';

const jobLabels = z.record(z.string(), noToken('labels')).superRefine((labels, ctx) => {
  const reserved: readonly string[] = Object.values(HF_JOBS_RUN_LABELS);
  for (const [key, value] of Object.entries(labels)) {
    if (reserved.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'reserved for hub-retrain' });
    else if (!HF_JOBS_LABEL_KEY.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `a label name must be ${LABEL_RULE}` });
    } else if (!HF_JOBS_LABEL_VALUE.test(value)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `a label value must be ${LABEL_RULE}` });
    }
  }
});

/** A Jobs hardware flavor name (the hf-jobs backend's `flavor`, AutoTrain's evaluation Job's). */
export const jobsFlavorSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a Jobs hardware flavor such as "a10g-small"' });

/** Where AutoTrain's evaluation step runs: `local` (this worker, the default) or a small Hugging Face Job. */
export const AUTOTRAIN_EVALUATION_RUNNERS = ['local', 'hf-jobs'] as const;
/**
 * The longest an evaluation Job may run: the evaluation step's activity has an hour (src/workflows/retrain-same-rows.ts),
 * and waits for the Job to be scheduled and its comparison read back within it.
 */
export const EVALUATION_JOB_MAX_SECONDS = 3000;
/** What an evaluation Job runs on unless the pipeline says otherwise: two small models predicting a split. */
export const EVALUATION_JOB_DEFAULTS = { flavor: 'cpu-basic', timeout_seconds: 1800 } as const;

const autotrainEvaluationSchema = z
  .strictObject({
    runner: z
      .enum(AUTOTRAIN_EVALUATION_RUNNERS, { message: `expected one of ${AUTOTRAIN_EVALUATION_RUNNERS.join(', ')}` })
      .default('local'),
    /** The Job's hardware (runner hf-jobs); cpu-basic when omitted. */
    flavor: jobsFlavorSchema.optional(),
    /** The Job is stopped after this long (runner hf-jobs); 1800 when omitted. */
    timeout_seconds: z
      .number()
      .int()
      .min(60)
      .max(EVALUATION_JOB_MAX_SECONDS, {
        message: `expected at most ${EVALUATION_JOB_MAX_SECONDS} seconds (the evaluation step waits an hour in all)`,
      })
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.runner === 'hf-jobs') return;
    for (const key of ['flavor', 'timeout_seconds'] as const) {
      if (e[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'only for runner "hf-jobs" (the step runs on this worker)',
        });
    }
  });

export const autotrainBackendSchema = z.strictObject({
  type: z.literal('autotrain'),
  /** Base URL of an AutoTrain Advanced server (`autotrain app`); env AUTOTRAIN_API_URL otherwise. */
  api_url: z.url({ message: 'expected an http(s) URL' }).optional(),
  hardware: z.enum(AUTOTRAIN_HARDWARE).default('spaces-a10g-small'),
  /** Task knobs passed through as AutoTrain `params` (epochs, batch_size, lr, ...). */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Which dataset columns AutoTrain reads (`image_column`, `text_column`, `target_column`, ...); found when omitted. */
  column_mapping: z.record(z.string(), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).optional(),
  train_split: z.string().min(1).default('train'),
  valid_split: z.string().min(1).optional(),
  /** Delete the training Space when a run fails or is cancelled. */
  cleanup: z.boolean().default(false),
  /** Where the evaluation step after training runs (issue 23); on this worker when omitted. */
  evaluation: autotrainEvaluationSchema.optional(),
});

export const hfJobsBackendSchema = z
  .strictObject({
    type: z.literal('hf-jobs'),
    /** The user or organisation the job runs (and is billed) under; the pipeline's target_namespace otherwise. */
    namespace: z
      .string()
      .regex(/^[\w.-]+$/, { message: 'expected a Hub user or organisation name' })
      .optional(),
    flavor: jobsFlavorSchema.default('a10g-small'),
    /** The job is stopped (stage ERROR, "Job timeout") after this long; the service's own default is 30 minutes. */
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(7200),
    image: z.string().min(1).default(HF_JOBS_DEFAULT_IMAGE),
    /** Replaces the default training command; `{dataset}`, `{revision}`, ... are filled in per run. */
    command: z.array(commandArgument).min(1, { message: 'expected at least the program to run' }).optional(),
    env: jobEnvironment.default({}),
    labels: jobLabels.default({}),
  })
  .superRefine((b, ctx) => {
    // The default command runs the transformers trainer, which reads env.RETRAIN_PARAMS as the local backend's
    // params: checked here with the same schema, so a wrong one fails check-config, not a rented GPU's job.
    const raw = b.env.RETRAIN_PARAMS;
    if (b.command || raw === undefined) return;
    const path = ['env', 'RETRAIN_PARAMS'];
    let params: unknown;
    try {
      params = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: 'custom', path, message: 'expected a JSON object, e.g. {"label_column": "intent"}' });
      return;
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      ctx.addIssue({ code: 'custom', path, message: 'expected a JSON object, e.g. {"label_column": "intent"}' });
      return;
    }
    const checked = transformersParamsSchema.safeParse(params);
    for (const issue of checked.success ? [] : checked.error.issues) {
      ctx.addIssue({ code: 'custom', path: [...path, ...issue.path.map(String)], message: issue.message });
    }
  });

/** The trainers that ship in trainers/ for the local backend (`backend.trainer`). */
export const LOCAL_TRAINERS = ['transformers', 'baseline'] as const;
export type LocalTrainer = (typeof LOCAL_TRAINERS)[number];
/**
 * What a pipeline that trains the TypeScript baseline may name as its `input_model`: the baseline itself
 * (it starts from no base model). Any other name with the baseline is reported as not trained.
 */
export const BASELINE_MODEL_NAMES = ['tfidf-softmax-regression', 'hog-softmax-regression'] as const;

export const localBackendSchema = z
  .strictObject({
    type: z.literal('local'),
    /**
     * Which trainer of trainers/ runs when no `command` is given: `transformers` (the default) fine-tunes the
     * pipeline's `input_model`; `baseline` trains the TypeScript TF-IDF / HOG + softmax regression from scratch,
     * with no Python, no GPU and no download.
     */
    trainer: z.enum(LOCAL_TRAINERS, { message: `expected one of ${LOCAL_TRAINERS.join(', ')}` }).optional(),
    /**
     * The trainer to run, as argv (no shell), instead of the ones in trainers/. It gets RETRAIN_DATA_DIR,
     * RETRAIN_OUTPUT_DIR, RETRAIN_BASE_MODEL, RETRAIN_TASK, RETRAIN_PARAMS.
     */
    command: z
      .array(z.string().min(1))
      .min(1, { message: 'expected the program and its arguments, e.g. ["python3", "train.py"]' })
      .optional(),
    /** Passed to the trainer as RETRAIN_PARAMS (JSON). */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Remove the run's scratch state when it fails or is cancelled. */
    cleanup: z.boolean().default(false),
  })
  .refine((b) => !(b.trainer && b.command), {
    path: ['trainer'],
    message: 'give either a trainer of trainers/ or your own command, not both',
  })
  .superRefine((b, ctx) => {
    // The transformers trainer's options are checked here, so a wrong one fails check-config, not a run.
    if (b.command || b.trainer === 'baseline') return;
    const checked = transformersParamsSchema.safeParse(b.params);
    for (const issue of checked.success ? [] : checked.error.issues) {
      ctx.addIssue({ code: 'custom', path: ['params', ...issue.path.map(String)], message: issue.message });
    }
  });

export const backendSchema = z.discriminatedUnion('type', [
  autotrainBackendSchema,
  hfJobsBackendSchema,
  localBackendSchema,
]);

export type AutotrainBackendOptions = z.output<typeof autotrainBackendSchema>;
export type HfJobsBackendOptions = z.output<typeof hfJobsBackendSchema>;
export type LocalBackendOptions = z.output<typeof localBackendSchema>;
export type BackendOptions = z.output<typeof backendSchema>;
export type BackendType = BackendOptions['type'];

/** AutoTrain knows the task, and a task whose columns hub-retrain cannot find itself comes with its column_mapping. */
export function checkAutotrainTask(
  task: string,
  backend: AutotrainBackendOptions,
  addIssue: (path: Array<string | number>, message: string) => void,
): void {
  const keys = AUTOTRAIN_COLUMN_MAPPING_KEYS[task];
  if (!keys) {
    const known = Object.keys(AUTOTRAIN_COLUMN_MAPPING_KEYS).join(', ');
    addIssue(['task'], `AutoTrain has no task "${task}"; expected one of ${known}`);
    return;
  }
  const derived: readonly string[] = AUTOTRAIN_DERIVED_MAPPING_TASKS;
  if (!backend.column_mapping) {
    if (!derived.includes(task)) {
      addIssue(['backend', 'column_mapping'], `AutoTrain needs a column_mapping for ${task}: ${keys.join(', ')}`);
    }
    return;
  }
  const missing = keys.filter((k) => backend.column_mapping?.[k] === undefined);
  if (missing.length > 0) {
    addIssue(['backend', 'column_mapping'], `AutoTrain's ${task} needs ${missing.join(', ')} in column_mapping`);
  }
  const extra = Object.keys(backend.column_mapping).filter((k) => !keys.includes(k));
  for (const key of extra)
    addIssue(['backend', 'column_mapping', key], `not a ${task} column (expected ${keys.join(', ')})`);
}
