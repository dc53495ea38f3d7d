import { z } from 'zod';
import { BASELINE_MODEL_NAMES, backendSchema, checkAutotrainTask, HF_JOBS_DEFAULT_TASKS } from './backends';
import { budgetSchema, globalBudgetSchema, type GlobalBudget } from './budget-schema';
import { pricesSchema } from './prices-schema';
import { tablePrice, tablesSearched } from './price-table';
import { ROW_METRICS, rowMetricOf } from './row-metric-names';
import { deploySchema } from './deploy-schema';
import { dataChecksSchema } from './data-checks';
import { durationSeconds } from './duration';

/** A pipeline's name: also part of workflow ids and visibility queries, so nothing that needs quoting. */
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
/** A local dataset folder: `file:<path>`, relative to the config file's folder or absolute. */
export const LOCAL_DATASET_PREFIX = 'file:';
const PROJECT_PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;

/** The four keys of the original Space's config.json. */
const originalKeys = {
  target_namespace: z.string().regex(/^[\w.-]+$/, { message: 'expected a Hub user or organisation name' }),
  input_dataset: z
    .string()
    .refine((v) => HUB_REPO.test(v) || (v.startsWith(LOCAL_DATASET_PREFIX) && v.length > LOCAL_DATASET_PREFIX.length), {
      message: 'expected a Hub dataset id of the form "owner/name", or a local folder as "file:<path>"',
    }),
  input_model: z.string().min(1, { message: 'expected a base model id, for example "microsoft/resnet-50"' }),
  autotrain_project_prefix: z
    .string()
    .regex(PROJECT_PREFIX, { message: 'expected letters, digits and "-" only, at most 40 characters' })
    .optional(),
};

const promotionSchema = z
  .strictObject({
    metric: z.string().min(1),
    direction: z.enum(['max', 'min']).default('max'),
    min_delta: z.number().min(0).default(0),
    /** A paired test on both models' per-row results must reject "no better" at this level (e.g. 0.05). */
    significance: z.number().gt(0).lt(1, { message: 'expected a level between 0 and 1, e.g. 0.05' }).optional(),
    /** No class may lose more than this much recall (0..1). */
    max_class_drop: z.number().min(0).max(1, { message: 'expected a recall difference between 0 and 1' }).optional(),
  })
  .superRefine((p, ctx) => {
    // The paired test and per-class recall come from per-row results: a metric like eval_loss has none.
    for (const key of ['significance', 'max_class_drop'] as const) {
      if (p[key] !== undefined && !rowMetricOf(p.metric))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `needs a metric computed from each row's result (${ROW_METRICS.join(', ')}); "${p.metric}" is not one`,
        });
    }
  });

const SHA = /^[0-9a-f]{40}$/;

/** A pinned evaluation set: both models are measured on it; it never changes under the gate. */
const evaluationSchema = z
  .strictObject({
    /** A Hub dataset id (with `revision`), or a local folder as `file:<path>` (relative to the config file). */
    dataset: z
      .string()
      .refine(
        (v) => HUB_REPO.test(v) || (v.startsWith(LOCAL_DATASET_PREFIX) && v.length > LOCAL_DATASET_PREFIX.length),
        {
          message: 'expected a Hub dataset id of the form "owner/name", or a local folder as "file:<path>"',
        },
      ),
    /** The Hub dataset's commit: a full 40-hex sha, so the set cannot move. */
    revision: z.string().regex(SHA, { message: 'expected a full 40-character commit sha' }).optional(),
  })
  .superRefine((e, ctx) => {
    if (!e.dataset.startsWith(LOCAL_DATASET_PREFIX) && !e.revision)
      ctx.addIssue({
        code: 'custom',
        path: ['revision'],
        message: 'a pinned Hub evaluation set needs its commit sha, so it never changes under the gate',
      });
  });

const notifySchema = z.strictObject({
  /** POST a JSON message (with a Slack-compatible `text`) here on every outcome. */
  webhook_url: z.url({ message: 'expected an http(s) URL' }).optional(),
  /** Announce on the dataset's Community tab (Hub datasets only). */
  discussions: z.boolean().default(true),
});

const publishSchema = z.strictObject({
  /** Upload each promoted model to this Hub model repo. */
  repo: z.string().regex(HUB_REPO, { message: 'expected a Hub model id of the form "owner/name"' }),
  private: z.boolean().default(true),
});

export const pipelineInputSchema = z.strictObject({
  ...originalKeys,
  name: z
    .string()
    .regex(PIPELINE_NAME, { message: 'expected letters, digits, ".", "_" or "-", at most 63 characters' })
    .optional(),
  task: z.string().min(1).default('image-classification'),
  backend: backendSchema.prefault({ type: 'autotrain' }),
  debounce_seconds: z.number().min(0).max(86_400).default(0),
  on_new_revision: z.enum(['queue', 'cancel']).default('queue'),
  approval: z.enum(['none', 'required']).default('none'),
  approval_timeout: durationSeconds.default(7 * 86_400),
  promotion: promotionSchema.optional(),
  evaluation: evaluationSchema.optional(),
  max_training_time: durationSeconds.default(24 * 3600),
  poll_interval_seconds: z.number().min(1).max(86_400).default(60),
  notify: notifySchema.prefault({}),
  publish: publishSchema.optional(),
  budget: budgetSchema.optional(),
  /** The pipeline's dated price table (the full form's top-level `prices` applies to pipelines without one). */
  prices: pricesSchema.optional(),
  /** Where a promoted model is put in service (deploy-schema.ts; README, "Serving"). */
  deploy: deploySchema.optional(),
  /** What each data check does when it finds something (src/config/data-checks.ts). */
  data_checks: dataChecksSchema.prefault({}),
});

/** A pipeline after defaults: what the workflows and activities receive (no secrets, ever). */
export type PipelineSpec = Omit<z.output<typeof pipelineInputSchema>, 'name' | 'autotrain_project_prefix'> & {
  name: string;
  autotrain_project_prefix: string;
  /** For `file:` datasets: the folder as an absolute path. */
  local_path?: string;
  /** The full form's top-level `budget`, over every pipeline (carried by each). */
  global_budget?: GlobalBudget;
  /** For a `file:` pinned evaluation set (`evaluation.dataset`): the folder as an absolute path. */
  evaluation_path?: string;
};

export function isLocalDataset(spec: Pick<PipelineSpec, 'input_dataset'>): boolean {
  return spec.input_dataset.startsWith(LOCAL_DATASET_PREFIX);
}

function withDefaults(p: z.output<typeof pipelineInputSchema>): PipelineSpec {
  const datasetName = p.input_dataset.replace(/\/+$/, '').split('/').pop() ?? p.input_dataset;
  const name = p.name ?? p.autotrain_project_prefix ?? datasetName.replace(/[^A-Za-z0-9._-]/g, '-');
  const prefix = p.autotrain_project_prefix ?? name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
  return { ...p, name, autotrain_project_prefix: prefix };
}

/** A backend that runs a command must have one for the pipeline's task; AutoTrain must know the task. */
function checkBackendForTask(p: z.output<typeof pipelineInputSchema>, ctx: z.RefinementCtx): void {
  const defaultTasks: readonly string[] = HF_JOBS_DEFAULT_TASKS;
  if (p.backend.type === 'hf-jobs' && !p.backend.command && !defaultTasks.includes(p.task)) {
    ctx.addIssue({
      code: 'custom',
      path: ['backend', 'command'],
      message: `hf-jobs has no default command for task "${p.task}" (only ${defaultTasks.join(', ')}): give a command`,
    });
  }
  // The transformers trainer runs unless the baseline is chosen: it cannot fine-tune the baseline's name.
  const baselineNames: readonly string[] = BASELINE_MODEL_NAMES;
  if (p.backend.type === 'local' && !p.backend.command && !p.backend.trainer && baselineNames.includes(p.input_model)) {
    ctx.addIssue({
      code: 'custom',
      path: ['backend', 'trainer'],
      message: `input_model "${p.input_model}" is the TypeScript baseline, not a model to fine-tune: set backend.trainer to "baseline", or name a transformers model`,
    });
  }
  // A Job or an AutoTrain Space cannot read a folder on this machine: a pinned set for them is a Hub dataset.
  if (p.evaluation?.dataset.startsWith(LOCAL_DATASET_PREFIX) && p.backend.type !== 'local') {
    ctx.addIssue({
      code: 'custom',
      path: ['evaluation', 'dataset'],
      message: `a "file:" evaluation set is read on this machine, which ${p.backend.type === 'autotrain' ? 'an AutoTrain' : 'a Hugging Face Jobs'} run cannot: give a Hub dataset and its revision`,
    });
  }
  // A local model reaches a Hub target only through publish.repo (AutoTrain and Jobs push theirs).
  const deploy = p.deploy;
  if (deploy && deploy.type !== 'local' && p.backend.type === 'local' && !p.publish && !deploy.repository) {
    ctx.addIssue({
      code: 'custom',
      path: ['deploy', 'repository'],
      message: `"${deploy.type}" serves a model from the Hub: set publish.repo (or deploy.repository) for a local backend`,
    });
  }
  if (deploy?.type === 'local' && p.backend.type !== 'local') {
    ctx.addIssue({
      code: 'custom',
      path: ['deploy', 'type'],
      message: `"local" serves a model trained on this machine; a ${p.backend.type} model is on the Hub: deploy it to an "endpoint" or a "space"`,
    });
  }
  if (p.backend.type === 'autotrain') {
    checkAutotrainTask(p.task, p.backend, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  }
}

/**
 * A budgeted pipeline (its own budget or the global one) must have a price known before its first run: a Jobs flavor
 * or a Space's hardware named in the config's `prices` or the built-in table (a Jobs flavor is priced from the Hub's
 * list first, at each run, when the list names it).
 */
function checkPriced(p: PipelineSpec, path: PropertyKey[], ctx: z.RefinementCtx): void {
  if (!p.budget && !p.global_budget) return;
  const { backend } = p;
  const [key, hardware] =
    backend.type === 'hf-jobs'
      ? ['flavor', backend.flavor]
      : backend.type === 'autotrain'
        ? ['hardware', backend.hardware]
        : [undefined, undefined]; // a local run costs nothing
  if (!key || !hardware || tablePrice(hardware, p.prices)) return;
  ctx.addIssue({
    code: 'custom',
    path: [...path, 'backend', key],
    message: `a budgeted pipeline needs a price for "${hardware}", which is not in ${tablesSearched(p.prices)}: add it to "prices": {"date": "YYYY-MM-DD", "usd_per_hour": {"${hardware}": <USD per hour>}}`,
  });
}

const flatSchema = pipelineInputSchema
  .superRefine(checkBackendForTask)
  .transform((p): PipelineSpec[] => [withDefaults(p)])
  .superRefine((pipelines, ctx) => pipelines.forEach((p) => checkPriced(p, [], ctx)));

const fullSchema = z
  .strictObject({
    pipelines: z
      .array(pipelineInputSchema.superRefine(checkBackendForTask))
      .min(1, { message: 'expected at least one pipeline' }),
    budget: globalBudgetSchema.optional(),
    prices: pricesSchema.optional(),
  })
  .transform((c) =>
    c.pipelines.map((p) => ({
      ...withDefaults(p),
      ...(c.budget ? { global_budget: c.budget } : {}),
      ...(c.prices && !p.prices ? { prices: c.prices } : {}),
    })),
  )
  .superRefine((pipelines, ctx) => {
    const seen = new Map<string, number>();
    pipelines.forEach((p, i) => {
      checkPriced(p, ['pipelines', i], ctx);
      const first = seen.get(p.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', i, 'name'],
          message: `duplicate pipeline name "${p.name}" (also pipelines[${first}]); give each pipeline a unique "name"`,
        });
      }
      seen.set(p.name, i);
    });
  });

/** Chooses the form: `{"pipelines": [...]}`, else the original flat four-key form (one pipeline). */
export function configSchemaFor(raw: unknown): z.ZodType<PipelineSpec[]> {
  const isFull = typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'pipelines' in raw;
  return isFull ? fullSchema : flatSchema;
}
