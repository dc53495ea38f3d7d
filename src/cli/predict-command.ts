import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPredictor, readInputArgument } from '../../trainers';
import type { PipelineSpec } from '../config/config-schema';

/** `hub-retrain predict <pipeline> <text | image path | ->`: the promoted model of a local pipeline. */
export async function predictWithCurrentModel(
  modelsDir: string,
  pipelines: PipelineSpec[],
  name: string,
  input: string,
): Promise<{ model: string; label: string; scores: Record<string, number> }> {
  const pipeline = pipelines.find((p) => p.name === name);
  if (!pipeline)
    throw new Error(`no pipeline "${name}"; the pipelines are: ${pipelines.map((p) => p.name).join(', ')}`);
  const current = resolve(join(modelsDir, name, 'current'));
  if (!existsSync(current)) {
    throw new Error(
      `pipeline "${name}" has no promoted model yet (${current}); run \`npm run demo\` or trigger a run first`,
    );
  }
  const predictor = await loadPredictor(current);
  const prediction = await predictor.predict(readInputArgument(input, predictor.task));
  return { model: current, ...prediction };
}
