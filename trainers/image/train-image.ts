import type { TrainerEnv } from '../core/env';
import type { Reporter } from '../core/progress';
import { trainClassifier, type ClassifierDefaults, type MetricsReport } from '../core/train-classifier';
import { loadImageDataset, type ImageExample } from '../data/load-images';
import { decodeAll } from './decode';
import { imageFeatures } from './features';
import { denseIndices, fitStandardizer, standardize } from './standardize';

// ~2,000 dense standardized features: smaller steps and a firmer penalty than for sparse text.
export const IMAGE_DEFAULTS: ClassifierDefaults = { epochs: 30, learningRate: 0.1, l2: 1e-4 };

/** The default image-classification trainer: HOG + colour features, softmax regression. */
export async function trainImage(env: TrainerEnv, report: Reporter): Promise<MetricsReport> {
  report({ progress: 0, message: `loading ${env.dataDir}` });
  const dataset = await loadImageDataset(env.dataDir, env.params);
  const size = env.params.image_size;
  return trainClassifier<ImageExample>({
    env,
    dataset,
    report,
    defaults: IMAGE_DEFAULTS,
    load: (dir) => loadImageDataset(dir, env.params),
    inputOf: (row) => ('path' in row.image ? row.image.path : row.image.bytes),
    featurize: async (train, evalRows, progress) => {
      const all = [...train, ...evalRows];
      const raw = await decodeAll(
        all.map((row) => row.image),
        size,
        (rgb) => imageFeatures(rgb, size),
        (done) => progress((0.9 * done) / all.length, `decoded ${done}/${all.length} images`),
      );
      const state = fitStandardizer(raw.slice(0, train.length), size);
      const indices = denseIndices(state.mean.length);
      const vectors = raw.map((row) => standardize(state, row, indices));
      return {
        trainX: vectors.slice(0, train.length),
        evalX: vectors.slice(train.length),
        numFeatures: state.mean.length,
        state,
      };
    },
  });
}
