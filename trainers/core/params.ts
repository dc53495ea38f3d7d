import { z } from 'zod';

// Backends often pass knobs as strings ("20"); read a numeric string as the number it spells.
const numeric = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), schema);

const ngramRange = z
  .tuple([z.number().int().min(1).max(8), z.number().int().min(1).max(8)])
  .refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' });

/** RETRAIN_PARAMS of the default trainers. Unknown keys are an error, so a typo never goes unnoticed. */
export const trainerParamsSchema = z.strictObject({
  /** Column(s) holding the text; several are joined with a newline (sentence pairs). */
  text_column: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  image_column: z.string().min(1).optional(),
  label_column: z.string().min(1).optional(),
  seed: numeric(z.number().int().min(0).max(0xffffffff)).default(42),
  /** Share of train held out for evaluation when the dataset has no validation or test split. */
  eval_fraction: numeric(z.number().gt(0).lt(1)).default(0.2),
  epochs: numeric(z.number().int().min(1).max(1000)).optional(),
  learning_rate: numeric(z.number().positive()).optional(),
  l2: numeric(z.number().min(0)).optional(),
  /** `balanced` weighs each class inversely to its frequency (helps macro F1 on skewed data). */
  class_weight: z.enum(['none', 'balanced']).default('none'),
  /** Text: word n-gram range. */
  word_ngrams: ngramRange.default([1, 2]),
  /** Text: character n-gram range inside words, or false for words only. */
  char_ngrams: z.union([ngramRange, z.literal(false)]).default([2, 5]),
  /** Text: keep a term only if this many training texts contain it. */
  min_df: numeric(z.number().int().min(1)).default(2),
  /** Text: keep at most this many terms (the most frequent). */
  max_features: numeric(z.number().int().min(1)).default(200_000),
  /** Image: side in pixels the images are resized to before features are taken. */
  image_size: numeric(z.number().int().min(16).max(512)).default(64),
});

export type TrainerParams = z.output<typeof trainerParamsSchema>;

export const TASKS = ['text-classification', 'image-classification'] as const;
export type Task = (typeof TASKS)[number];
