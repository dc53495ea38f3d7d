import { z } from 'zod';
import { backendSchema } from './backends';
import { durationSeconds } from './duration';

/** A pipeline's name: also part of workflow ids and visibility queries, so nothing that needs quoting. */
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const PROJECT_PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;

/** The four keys of the original Space's config.json. */
const originalKeys = {
  target_namespace: z.string().regex(/^[\w.-]+$/, { message: 'expected a Hub user or organisation name' }),
  input_dataset: z.string().regex(HUB_REPO, { message: 'expected a Hub dataset id of the form "owner/name"' }),
  input_model: z.string().min(1, { message: 'expected a base model id, for example "microsoft/resnet-50"' }),
  autotrain_project_prefix: z
    .string()
    .regex(PROJECT_PREFIX, { message: 'expected letters, digits and "-" only, at most 40 characters' })
    .optional(),
};

const promotionSchema = z.strictObject({
  metric: z.string().min(1),
  direction: z.enum(['max', 'min']).default('max'),
  min_delta: z.number().min(0).default(0),
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
  max_training_time: durationSeconds.default(24 * 3600),
  poll_interval_seconds: z.number().min(1).max(86_400).default(60),
});

/** A pipeline after defaults: what the workflows and activities receive (no secrets, ever). */
export type PipelineSpec = Omit<z.output<typeof pipelineInputSchema>, 'name' | 'autotrain_project_prefix'> & {
  name: string;
  autotrain_project_prefix: string;
};

function withDefaults(p: z.output<typeof pipelineInputSchema>): PipelineSpec {
  const datasetName = p.input_dataset.split('/').pop() ?? p.input_dataset;
  const name = p.name ?? p.autotrain_project_prefix ?? datasetName;
  const prefix = p.autotrain_project_prefix ?? name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
  return { ...p, name, autotrain_project_prefix: prefix };
}

const flatSchema = pipelineInputSchema.transform((p): PipelineSpec[] => [withDefaults(p)]);

const fullSchema = z
  .strictObject({
    pipelines: z.array(pipelineInputSchema).min(1, { message: 'expected at least one pipeline' }),
  })
  .transform((c) => c.pipelines.map(withDefaults))
  .superRefine((pipelines, ctx) => {
    const seen = new Map<string, number>();
    pipelines.forEach((p, i) => {
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
