import { z } from 'zod';
import type { FeatureVector } from '../core/softmax-regression';

/** The saved image featurizer: pixel size and the training set's per-feature mean and spread. */
export const imageFeatureStateSchema = z
  .object({
    kind: z.literal('image-features'),
    imageSize: z.number().int().min(16),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  })
  .refine((s) => s.mean.length === s.std.length, { message: 'mean and std differ in length' });

export type ImageFeatureState = z.output<typeof imageFeatureStateSchema>;

export function fitStandardizer(rows: readonly Float32Array[], imageSize: number): ImageFeatureState {
  const length = rows[0]?.length ?? 0;
  const mean = new Array<number>(length).fill(0);
  const std = new Array<number>(length).fill(0);
  for (const row of rows) row.forEach((v, j) => (mean[j]! += v / rows.length));
  for (const row of rows) row.forEach((v, j) => (std[j]! += (v - mean[j]!) ** 2 / rows.length));
  // A constant feature carries nothing; a spread of 1 keeps it at zero instead of dividing by zero.
  return { kind: 'image-features', imageSize, mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

/**
 * Standardizes a row in place (the raw features are not needed again), scaled by 1/sqrt(length): unit length
 * on average, like the text vectors, so one learning rate suits both trainers.
 */
export function standardize(state: ImageFeatureState, row: Float32Array, indices: Uint32Array): FeatureVector {
  const scale = 1 / Math.sqrt(row.length);
  for (let j = 0; j < row.length; j++) row[j] = ((row[j]! - state.mean[j]!) / state.std[j]!) * scale;
  return { indices, values: row };
}

export function denseIndices(length: number): Uint32Array {
  return Uint32Array.from({ length }, (_, i) => i);
}
