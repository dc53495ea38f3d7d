/**
 * `serve <model-dir>`: loads a model once and answers predictions as JSON lines, for the receiver's local
 * predict endpoint. The first line says it is ready (`{"ready": true, "labels": [...]}`); then each request line
 * `{"id", "input"}` on stdin gets one `{"id", "label", "scores"}` (or `{"id", "error"}`) on stdout. It exits when
 * stdin closes.
 */
import { createInterface } from 'node:readline';
import { TrainerInputError } from '../core/errors';
import { loadPredictor } from '../predict';
import { runEntry } from './run-entry';

runEntry(async () => {
  const [modelDir] = process.argv.slice(2);
  if (modelDir === undefined) throw new TrainerInputError('usage: serve <model-dir>');
  const predictor = await loadPredictor(modelDir);
  const write = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
  write({ ready: true, task: predictor.task, labels: predictor.labels });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    let id: unknown;
    try {
      const request = JSON.parse(line) as { id?: unknown; input?: unknown };
      id = request.id;
      if (typeof request.input !== 'string') throw new TrainerInputError('expected "input" to be a string');
      // An image model takes an image's bytes, sent as base64.
      const input = predictor.task === 'text-classification' ? request.input : Buffer.from(request.input, 'base64');
      write({ id, ...(await predictor.predict(input)) });
    } catch (err) {
      write({ id, error: err instanceof Error ? err.message : String(err) });
    }
  }
});
