/**
 * The transformers trainer's real-hardware options in a local pipeline's `backend.params`, checked at
 * `check-config` with their key paths. The trainer checks them again with the same bounds when it starts
 * (trainers/transformers/hub_retrain_trainer/contract.py, PARAMS), and hands each to transformers as it is:
 * TrainingArguments, EarlyStoppingCallback, or the Trainer's `compute_loss_func` for `class_weights`.
 * Numbers may be numeric strings and booleans "true"/"false", as the trainer reads them.
 */
import { z } from 'zod';

const numeric = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

function integer(min: number, max?: number) {
  const message = `expected an integer from ${min}${max === undefined ? ' up' : ` to ${max}`}`;
  const base = z.number({ message }).int({ message }).min(min, { message });
  return z.preprocess(numeric, max === undefined ? base : base.max(max, { message }));
}

const flag = z.preprocess(
  (value) => (typeof value === 'string' && /^(true|false)$/i.test(value.trim()) ? /true/i.test(value) : value),
  z.boolean({ message: 'expected true or false' }),
);

export const TRANSFORMERS_HARDWARE_OPTIONS = {
  gradient_accumulation_steps: integer(1, 4096),
  auto_find_batch_size: flag,
  max_steps: integer(1),
  eval_steps: integer(1),
  early_stopping_patience: integer(1, 1000),
  class_weights: z.enum(['none', 'balanced'], { message: 'expected "none" or "balanced"' }),
  torch_compile: flag,
  dataloader_num_workers: integer(0, 64),
} as const;

/** The options above, where given (null is "the default", as for the trainer); other keys are the trainer's to check. */
export const transformersParamsSchema = z.looseObject(
  Object.fromEntries(Object.entries(TRANSFORMERS_HARDWARE_OPTIONS).map(([key, schema]) => [key, schema.nullish()])) as {
    [K in keyof typeof TRANSFORMERS_HARDWARE_OPTIONS]: z.ZodOptional<
      z.ZodNullable<(typeof TRANSFORMERS_HARDWARE_OPTIONS)[K]>
    >;
  },
);
