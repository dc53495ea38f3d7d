/** The trainer command: reads the RETRAIN_* environment, trains, prints JSON progress lines on stdout. */
import { readTrainerEnv } from '../core/env';
import { jsonLinesReporter } from '../core/progress';
import { train } from '../train';
import { runEntry } from './run-entry';

const report = jsonLinesReporter();
runEntry(
  async () => {
    await train(readTrainerEnv(process.env), report);
  },
  (message) => report({ message: `failed: ${message}` }),
);
