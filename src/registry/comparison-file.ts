/**
 * `comparison.json`, which a trainer writes beside metrics.json (trainers/README.md, "comparison.json"): the rows
 * the gate decides on, their true labels, and the predictions of the new model and of the model in service, both
 * made by the same trainer code. Read here at the edge, with zod; the gate trusts what it returns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const COMPARISON_FILE = 'comparison.json';

const predictionsSchema = z.strictObject({
  /** The labels the model knows (its outputs). */
  labels: z.array(z.string()),
  predicted: z.array(z.string()),
});

const currentSchema = z.union([
  predictionsSchema.extend({ dir: z.string() }),
  z.strictObject({
    dir: z.string(),
    /** `foreign`: a model this trainer does not load (another trainer's, a Hub pointer); `unreadable`: missing or corrupt. */
    status: z.enum(['foreign', 'unreadable']),
    error: z.string(),
  }),
]);

export const comparisonSchema = z
  .strictObject({
    version: z.literal(1),
    /** The split the gate decides on: `test`, `validation`, `train (seeded 20% hold-out)`. */
    split: z.string(),
    /** Where the rows come from: the run's dataset, or the pipeline's pinned `evaluation.dataset`. */
    source: z.enum(['dataset', 'evaluation.dataset']),
    /** The split the best epoch was chosen on, when the trainer chose one. */
    selectedOn: z.string().nullable(),
    truth: z.array(z.string()).min(1),
    candidate: predictionsSchema,
    /** Null: no model was in service when the run started. */
    current: currentSchema.nullable(),
    /** Wall time of predicting the rows with each model (benchmarks: what measuring the model in service adds). */
    seconds: z.strictObject({ candidate: z.number(), current: z.number().nullable() }).optional(),
  })
  .superRefine((c, ctx) => {
    const lengths = [
      c.candidate.predicted.length,
      c.current && 'predicted' in c.current ? c.current.predicted.length : c.truth.length,
    ];
    if (lengths.some((n) => n !== c.truth.length))
      ctx.addIssue({
        code: 'custom',
        message: `expected a prediction per row (${c.truth.length} rows) from each model`,
      });
  });

export type Comparison = z.output<typeof comparisonSchema>;
export type MeasuredCurrent = Extract<NonNullable<Comparison['current']>, { predicted: string[] }>;

/** The run's comparison, or why there is none (a trainer that writes none: a custom command, AutoTrain). */
export function readComparison(dir: string): { comparison: Comparison } | { missing: string } {
  const path = join(dir, COMPARISON_FILE);
  if (!existsSync(path)) return { missing: `the trainer wrote no ${COMPARISON_FILE}` };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { missing: `${COMPARISON_FILE} is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = comparisonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { missing: `${COMPARISON_FILE}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { comparison: parsed.data };
}
