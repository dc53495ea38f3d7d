import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPredictor, readInputArgument } from '../../trainers';
import { SETUP_COMMAND, transformersTrainer } from '../backends/transformers-trainer';
import type { PipelineSpec } from '../config/config-schema';

export interface Prediction {
  model: string;
  label: string;
  scores: Record<string, number>;
}

/**
 * `hub-retrain predict <pipeline> <text | image path | ->`: the promoted model of a local pipeline. A model
 * the transformers trainer wrote (a `save_pretrained` folder) answers through a transformers pipeline in the
 * trainer's Python environment; a baseline model, in process.
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
  if (existsSync(join(current, 'config.json')) && !existsSync(join(current, 'model.json'))) {
    return { model: current, ...(await predictWithTransformers(current, input)) };
  }
  const predictor = await loadPredictor(current);
  const prediction = await predictor.predict(readInputArgument(input, predictor.task));
  return { model: current, ...prediction };
}

/** One prediction by trainers/transformers/predict.py; `-` passes this process's stdin on. */
export function predictWithTransformers(
  folder: string,
  input: string,
): Promise<{ label: string; scores: Record<string, number> }> {
  const [python, script] = transformersTrainer().predict;
  if (!existsSync(python!)) {
    return Promise.reject(
      new Error(
        `${folder} is a transformers model and the transformers trainer is not installed: run \`${SETUP_COMMAND}\``,
      ),
    );
  }
  return new Promise((resolvePrediction, reject) => {
    const child = execFile(
      python!,
      [script!, folder, input],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        let parsed: { label?: unknown; scores?: unknown; message?: unknown } = {};
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          // no answer: the error below says why
        }
        if (!err && typeof parsed.label === 'string' && typeof parsed.scores === 'object' && parsed.scores) {
          resolvePrediction({ label: parsed.label, scores: parsed.scores as Record<string, number> });
          return;
        }
        const why =
          stderr
            .split('\n')
            .find((l) => l.startsWith('error: '))
            ?.slice(7) ?? stderr.trim().split('\n').pop();
        reject(new Error(`predicting with ${folder} failed: ${why || err?.message || 'no answer'}`));
      },
    );
    if (input === '-') child.stdin?.end(readFileSync(0));
    else child.stdin?.end();
  });
}
