import type { TrainerEnv } from './core/env';
import { silentReporter, type Reporter } from './core/progress';
import type { MetricsReport } from './core/train-classifier';
import { trainImage } from './image/train-image';
import { trainText } from './text/train-text';

/** Runs the default trainer for `env.task`: writes the model and metrics.json to `env.outputDir`. */
export async function train(env: TrainerEnv, report: Reporter = silentReporter): Promise<MetricsReport> {
  switch (env.task) {
    case 'text-classification':
      return trainText(env, report);
    case 'image-classification':
      return trainImage(env, report);
  }
}
