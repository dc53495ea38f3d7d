/**
 * Which trainer a local pipeline runs: its own `command`; else the transformers trainer, which fine-tunes
 * `input_model` (the default); else, chosen with `backend.trainer: "baseline"`, the TypeScript baseline, which
 * starts from no base model and says so whenever the pipeline names one.
 */
import { BASELINE_MODEL_NAMES, type LocalBackendOptions, type LocalTrainer } from '../../config/backends';
import type { PipelineSpec } from '../../config/config-schema';
import { transformersTrainer } from '../transformers-trainer';
import { defaultTrainerCommand } from './default-trainer';

export type TrainerChoice =
  | { kind: 'command'; command: string[] }
  | { kind: 'transformers'; command: string[] }
  | { kind: 'baseline'; command: string[] };

export interface BuiltInTrainers {
  transformers: string[];
  transformersPreflight: string[];
  baseline: string[];
}

export function builtInTrainers(): BuiltInTrainers {
  const transformers = transformersTrainer();
  return {
    transformers: transformers.train,
    transformersPreflight: transformers.preflight,
    baseline: defaultTrainerCommand(),
  };
}

/** The trainer of trainers/ a local pipeline runs; undefined when it runs its own command. */
export function trainerOf(options: LocalBackendOptions): LocalTrainer | undefined {
  return options.command ? undefined : (options.trainer ?? 'transformers');
}

export function chooseTrainer(options: LocalBackendOptions, builtIn: BuiltInTrainers): TrainerChoice {
  if (options.command) return { kind: 'command', command: options.command };
  return options.trainer === 'baseline'
    ? { kind: 'baseline', command: builtIn.baseline }
    : { kind: 'transformers', command: builtIn.transformers };
}

/**
 * The sentence a run of the baseline carries when the pipeline names a base model the baseline does not
 * train (in the run's messages and the model card); undefined otherwise.
 */
export function baselineNote(
  options: LocalBackendOptions,
  pipeline: Pick<PipelineSpec, 'input_model' | 'task'>,
): string | undefined {
  if (trainerOf(options) !== 'baseline') return undefined;
  if ((BASELINE_MODEL_NAMES as readonly string[]).includes(pipeline.input_model)) return undefined;
  const kind = pipeline.task === 'image-classification' ? 'HOG' : 'TF-IDF';
  return (
    `base model ${pipeline.input_model} not trained: backend.trainer is "baseline", so the TypeScript ${kind} + ` +
    `softmax regression baseline was trained from scratch instead (remove backend.trainer to fine-tune ${pipeline.input_model})`
  );
}
