/** `predict <model-dir> <text | image-path | ->`: prints `{"label", "scores"}` as one JSON line. */
import { TrainerInputError } from '../core/errors';
import { loadPredictor, readInputArgument } from '../predict';
import { runEntry } from './run-entry';

runEntry(async () => {
  const [modelDir, input] = process.argv.slice(2);
  if (modelDir === undefined || input === undefined) {
    throw new TrainerInputError('usage: predict <model-dir> <text | image-path | - for stdin>');
  }
  const predictor = await loadPredictor(modelDir);
  const prediction = await predictor.predict(readInputArgument(input, predictor.task));
  process.stdout.write(`${JSON.stringify(prediction)}\n`);
});
