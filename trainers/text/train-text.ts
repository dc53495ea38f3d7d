import type { TrainerEnv } from '../core/env';
import type { Reporter } from '../core/progress';
import { trainClassifier, type ClassifierDefaults, type MetricsReport } from '../core/train-classifier';
import { loadTextDataset, type TextExample } from '../data/load-text';
import { fitTfidf } from './tfidf';

// TF-IDF vectors are sparse and unit-length: a large step and a light penalty converge in a few passes.
export const TEXT_DEFAULTS: ClassifierDefaults = { epochs: 15, learningRate: 0.5, l2: 1e-5 };

/** The default text-classification trainer: TF-IDF word and character n-grams, softmax regression. */
export async function trainText(env: TrainerEnv, report: Reporter): Promise<MetricsReport> {
  report({ progress: 0, message: `loading ${env.dataDir}` });
  const dataset = await loadTextDataset(env.dataDir, env.params);
  return trainClassifier<TextExample>({
    env,
    dataset,
    report,
    defaults: TEXT_DEFAULTS,
    load: (dir) => loadTextDataset(dir, env.params),
    inputOf: (row) => row.text,
    featurize: (train, evalRows, progress) => {
      const vectorizer = fitTfidf(
        train.map((row) => row.text),
        {
          wordNgrams: env.params.word_ngrams,
          charNgrams: env.params.char_ngrams,
          minDf: env.params.min_df,
          maxFeatures: env.params.max_features,
        },
      );
      progress(0.5, `vocabulary of ${vectorizer.numFeatures} terms`);
      return Promise.resolve({
        trainX: train.map((row) => vectorizer.transform(row.text)),
        evalX: evalRows.map((row) => vectorizer.transform(row.text)),
        numFeatures: vectorizer.numFeatures,
        state: vectorizer.state,
      });
    },
  });
}
