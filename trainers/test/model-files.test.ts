import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TrainerInputError } from '../core/errors';
import { loadModelFiles, saveModel, type ModelManifest } from '../core/model-files';
import { seededRandom } from '../core/random';
import { SoftmaxRegression } from '../core/softmax-regression';
import { useTempDir } from './helpers/temp-dir';

const newDir = useTempDir('model-files');
const featuresSchema = () => z.object({ kind: z.literal('test'), size: z.number() });

function randomModel(features: number, classes: number): SoftmaxRegression {
  const random = seededRandom(11);
  const weights = Float32Array.from({ length: features * classes }, () => random() * 2 - 1);
  const bias = Float32Array.from({ length: classes }, () => random() * 2 - 1);
  return new SoftmaxRegression(features, classes, weights, bias);
}

const manifest: ModelManifest = {
  format: 'hub-retrain-linear-classifier',
  version: 1,
  task: 'text-classification',
  labels: ['a', 'b', 'c'],
  num_features: 5,
  base_model: 'org/model',
  features_file: 'features.json',
  weights_file: 'weights.bin',
  seed: 42,
};

describe('model files', () => {
  it('load back exactly the weights, biases, manifest and feature state that were saved', async () => {
    const dir = newDir();
    const classifier = randomModel(5, 3);
    await saveModel(dir, { manifest, features: { kind: 'test', size: 3 }, classifier });
    const loaded = await loadModelFiles(dir, featuresSchema);
    expect(loaded.manifest).toEqual(manifest);
    expect(loaded.features).toEqual({ kind: 'test', size: 3 });
    expect([...loaded.classifier.weights]).toEqual([...classifier.weights]);
    expect([...loaded.classifier.bias]).toEqual([...classifier.bias]);
  });

  it('refuse a truncated weights file and a manifest of another format, naming the file', async () => {
    const dir = newDir();
    await saveModel(dir, { manifest, features: { kind: 'test', size: 3 }, classifier: randomModel(5, 3) });
    await truncate(join(dir, 'weights.bin'), 10);
    await expect(loadModelFiles(dir, featuresSchema)).rejects.toThrow(/weights\.bin: expected 72 bytes, found 10/);

    const other = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...other, format: 'onnx' }));
    const loading = loadModelFiles(dir, featuresSchema);
    await expect(loading).rejects.toThrow(TrainerInputError);
    await expect(loading).rejects.toThrow(/model\.json: format: /);
  });
});
