/**
 * What AutoTrain's evaluation step gives the trainer's comparison, wherever it runs (on this worker:
 * autotrain-evaluation.ts; in a Hugging Face Job: evaluation-job.ts): AutoTrain's columns and splits, the pinned
 * evaluation set checked readable first, and what to say of a model in service that cannot be measured.
 */
import type { PipelineSpec } from '../../config/config-schema';
import type { HubSnapshotOptions } from '../../datasets/hub-snapshot';
import type { Comparison } from '../../registry/comparison-file';
import type { InServicePointer } from '../../registry/model-registry';
import { EvaluationSetUnreadable } from '../../workflows/evaluation-failure';
import { pinnedEvaluationSet } from '../local/evaluation-inputs';
import { PermanentBackendError } from '../../errors';
import type { DataRef } from '../types';
import type { ColumnMapping } from './column-mapping';

/**
 * What a comparison left for the step's shared tail: comparison.json in the work folder (with what to say about the
 * model in service instead of its measure, `said`), or why there is none.
 */
export type Made = { said?: NonNullable<Comparison['current']> } | { missing: string } | { unmade: string };

/** The trainer's parameters for AutoTrain's column mapping (its keys -> the trainer's column parameters). */
export function trainerColumns(mapping: ColumnMapping): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (mapping.text_column) params.text_column = mapping.text_column;
  if (mapping.image_column) params.image_column = String(mapping.image_column);
  if (mapping.target_column) params.label_column = String(mapping.target_column);
  return params;
}

/** Where the pipeline's evaluation step runs (`backend.evaluation.runner`; this worker by default). */
export function evaluationRunner(pipeline: PipelineSpec): 'local' | 'hf-jobs' {
  return (pipeline.backend.type === 'autotrain' && pipeline.backend.evaluation?.runner) || 'local';
}

/**
 * The pinned evaluation set, downloaded (and so known to be readable) before any comparison: a set the Hub refuses
 * is `unmade`; one it may serve again throws EvaluationSetUnreadable, which the step's retries try again.
 */
export async function pinnedSetOrUnmade(
  pipeline: PipelineSpec,
  deps: { stateDir: string; hub: Omit<HubSnapshotOptions, 'cacheDir'> },
): Promise<{ dir?: string } | { unmade: string }> {
  try {
    return { dir: await pinnedEvaluationSet(pipeline, deps.stateDir, deps.hub, 'no comparison was made') };
  } catch (err) {
    if (err instanceof PermanentBackendError) return { unmade: err.message };
    throw new EvaluationSetUnreadable((err as Error).message);
  }
}

/** Why the model in service cannot be measured at a fixed revision: its run recorded no commit. */
export function recordedWithoutCommit(pointer: InServicePointer): string {
  return `the model in service ${pointer.model} was recorded without the commit its run pushed, so it cannot be measured at a fixed revision`;
}

/** The columns and splits of AutoTrain's training, for compare.py: RETRAIN_PARAMS and the split names. */
export function splitsEnv(data: DataRef): Record<string, string> {
  const mapping = data.detail?.column_mapping;
  return {
    RETRAIN_PARAMS: JSON.stringify(mapping ? trainerColumns(JSON.parse(mapping) as ColumnMapping) : {}),
    RETRAIN_TRAIN_SPLIT: data.detail?.train_split ?? 'train',
    ...(data.detail?.valid_split ? { RETRAIN_VALID_SPLIT: data.detail.valid_split } : {}),
  };
}
