import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lastJsonLine, runTrainerCommand, trainersCommand } from '../backends/trainer-process';
import { SETUP_COMMAND, transformersTrainer } from '../backends/transformers-trainer';
import { PermanentBackendError } from '../errors';
import type { PipelineSpec } from '../config/config-schema';

export interface Prediction {
  model: string;
  label: string;
  scores: Record<string, number>;
}

/**
 * `hub-retrain predict <pipeline> <text | image path | ->`: the promoted model of a local pipeline, answered by
 * the trainer that wrote it, as a process: a `save_pretrained` folder by a transformers pipeline in the
 * transformers trainer's Python environment, a baseline model by the TypeScript trainers' `predict` command.
 */
export async function predictWithCurrentModel(
  modelsDir: string,
  pipelines: PipelineSpec[],
  name: string,
  input: string,
): Promise<Prediction> {
  const pipeline = pipelines.find((p) => p.name === name);
  if (!pipeline)
    throw new Error(`no pipeline "${name}"; the pipelines are: ${pipelines.map((p) => p.name).join(', ')}`);
  const current = resolve(join(modelsDir, name, 'current'));
  if (!existsSync(current)) {
    throw new Error(
      `pipeline "${name}" has no promoted model yet (${current}); run \`npm run demo\` or trigger a run first`,
    );
  }
  const transformers = existsSync(join(current, 'config.json')) && !existsSync(join(current, 'model.json'));
  const command = transformers ? transformersTrainer().predict : trainersCommand('predict');
  if (transformers && !existsSync(command[0]!)) {
    throw new Error(
      `${current} is a transformers model and the transformers trainer is not installed: run \`${SETUP_COMMAND}\``,
    );
  }
  const stdout = await runTrainerCommand([...command, current, input], {
    what: `predicting with ${current}`,
    // `-`: this process's stdin is passed on.
    input: input === '-' ? readFileSync(0) : undefined,
  }).catch((err: unknown) => {
    // Bad input is the command's own `error: ` line; a crash already says what failed.
    throw err instanceof PermanentBackendError ? new Error(`predicting with ${current} failed: ${err.message}`) : err;
  });
  const answer = lastJsonLine(stdout) as { label?: unknown; scores?: unknown } | undefined;
  if (typeof answer?.label !== 'string' || typeof answer.scores !== 'object' || answer.scores === null) {
    throw new Error(`predicting with ${current} failed: no answer`);
  }
  return { model: current, label: answer.label, scores: answer.scores as Record<string, number> };
}
