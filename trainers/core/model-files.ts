import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TrainerInputError } from './errors';
import { TASKS } from './params';
import { SoftmaxRegression } from './softmax-regression';

export const MODEL_FILE = 'model.json';
export const FEATURES_FILE = 'features.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METRICS_FILE = 'metrics.json';
export const MODEL_FORMAT = 'hub-retrain-linear-classifier';

/** `model.json`: what a reader needs before touching the other two files. */
export const manifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(1),
  task: z.enum(TASKS),
  /** Class names in the order of the classifier's outputs. */
  labels: z.array(z.string()).min(2),
  num_features: z.number().int().min(1),
  /** The pipeline's input_model, recorded for provenance; these models do not start from it. */
  base_model: z.string().optional(),
  features_file: z.literal(FEATURES_FILE),
  /** float32 little-endian: weights feature-major (`[feature][class]`), then one bias per class. */
  weights_file: z.literal(WEIGHTS_FILE),
  seed: z.number().int(),
});

export type ModelManifest = z.output<typeof manifestSchema>;

export interface SavedModel<F> {
  manifest: ModelManifest;
  features: F;
  classifier: SoftmaxRegression;
}

export async function saveModel<F>(dir: string, model: SavedModel<F>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { weights, bias } = model.classifier;
  const bytes = Buffer.alloc((weights.length + bias.length) * 4);
  weights.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  bias.forEach((v, i) => bytes.writeFloatLE(v, (weights.length + i) * 4));
  await writeFile(join(dir, WEIGHTS_FILE), bytes);
  await writeFile(join(dir, FEATURES_FILE), JSON.stringify(model.features));
  await writeJsonAtomically(join(dir, MODEL_FILE), model.manifest);
}

/** Reads a model folder; the feature state is checked by the caller's schema, which knows the task. */
export async function loadModelFiles<S extends z.ZodType>(
  dir: string,
  featuresSchema: (task: ModelManifest['task']) => S,
): Promise<SavedModel<z.output<S>>> {
  const manifest = parseFile(join(dir, MODEL_FILE), await readText(join(dir, MODEL_FILE)), manifestSchema);
  const features = parseFile(
    join(dir, FEATURES_FILE),
    await readText(join(dir, FEATURES_FILE)),
    featuresSchema(manifest.task),
  );
  const bytes = await readFile(join(dir, WEIGHTS_FILE));
  const k = manifest.labels.length;
  const count = manifest.num_features * k;
  if (bytes.length !== (count + k) * 4) {
    throw new TrainerInputError(`${join(dir, WEIGHTS_FILE)}: expected ${(count + k) * 4} bytes, found ${bytes.length}`);
  }
  const weights = Float32Array.from({ length: count }, (_, i) => bytes.readFloatLE(i * 4));
  const bias = Float32Array.from({ length: k }, (_, i) => bytes.readFloatLE((count + i) * 4));
  return { manifest, features, classifier: new SoftmaxRegression(manifest.num_features, k, weights, bias) };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new TrainerInputError(`${path}: not found; expected a model folder written by the default trainers`);
  }
}

function parseFile<S extends z.ZodType>(path: string, text: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TrainerInputError(`${path}: not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerInputError(
      `${path}: ${issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Written last and renamed into place: a reader never sees half a file. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}

/**
 * What kind of model a folder holds, from its model.json alone: one of ours (and its task), a pointer to a Hub
 * model (the service's registry writes `{"model": "owner/name"}` for AutoTrain and Jobs runs), or no model.json.
 * A model.json that is neither counts as ours, so loading it reports what is wrong.
 */
export function readModelManifestKind(
  dir: string,
): { kind: 'ours'; task?: string } | { kind: 'foreign'; why: string } | { kind: 'missing' } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, MODEL_FILE), 'utf8'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'missing' } : { kind: 'ours' };
  }
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  if (fields.format === undefined && typeof fields.model === 'string') {
    return { kind: 'foreign', why: `a pointer to the Hub model ${fields.model}, which this trainer does not load` };
  }
  return { kind: 'ours', task: typeof fields.task === 'string' ? fields.task : undefined };
}
