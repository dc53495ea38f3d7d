import { readFileSync } from 'node:fs';
import { TrainerInputError } from './core/errors';
import { loadModelFiles, type ModelManifest } from './core/model-files';
import { argmax, type FeatureVector } from './core/softmax-regression';
import { decodeImage } from './image/decode';
import { imageFeatures } from './image/features';
import { denseIndices, imageFeatureStateSchema, standardize } from './image/standardize';
import { TfidfVectorizer, tfidfStateSchema } from './text/tfidf';

export interface Prediction {
  label: string;
  /** Probability of every class, in the model's label order. */
  scores: Record<string, number>;
}

/** Text for a text model; an image file path or the image's bytes for an image model. */
export type PredictInput = string | Uint8Array;

export interface Predictor {
  task: ModelManifest['task'];
  labels: string[];
  predict(input: PredictInput): Promise<Prediction>;
}

/** Loads a model folder written by the default trainers once, for many predictions. */
export async function loadPredictor(modelDir: string): Promise<Predictor> {
  const model = await loadModelFiles(modelDir, (task) =>
    task === 'text-classification' ? tfidfStateSchema : imageFeatureStateSchema,
  );
  const { manifest, features, classifier } = model;
  let featurize: (input: PredictInput) => Promise<FeatureVector>;
  if (features.kind === 'tfidf') {
    const vectorizer = new TfidfVectorizer(features);
    featurize = (input) => {
      if (typeof input !== 'string') throw new TrainerInputError('a text model predicts from text');
      return Promise.resolve(vectorizer.transform(input));
    };
  } else {
    const indices = denseIndices(features.mean.length);
    featurize = async (input) => {
      const source = typeof input === 'string' ? { path: input } : { bytes: input, name: 'image bytes' };
      const rgb = await decodeImage(source, features.imageSize);
      return standardize(features, imageFeatures(rgb, features.imageSize), indices);
    };
  }
  if (classifier.numFeatures !== (features.kind === 'tfidf' ? features.terms.length : features.mean.length)) {
    throw new TrainerInputError(`${modelDir}: the features and the weights do not match`);
  }
  return {
    task: manifest.task,
    labels: manifest.labels,
    predict: async (input) => {
      const probabilities = classifier.probabilities(await featurize(input));
      const scores: Record<string, number> = {};
      manifest.labels.forEach((label, i) => (scores[label] = probabilities[i] ?? 0));
      return { label: manifest.labels[argmax(probabilities)] ?? '', scores };
    },
  };
}

/** One prediction: `predict('model/', 'great value')` or `predict('model/', 'cat.jpg')`. */
export async function predict(modelDir: string, input: PredictInput): Promise<Prediction> {
  return (await loadPredictor(modelDir)).predict(input);
}

/** Reads an input argument: `-` means standard input (text, or an image's bytes). */
export function readInputArgument(argument: string, task: ModelManifest['task']): PredictInput {
  if (argument !== '-') return argument;
  const bytes = readFileSync(0);
  return task === 'text-classification' ? bytes.toString('utf8') : new Uint8Array(bytes);
}
