/**
 * AutoTrain's evaluation step in RetrainWorkflow (issue 23, patch 'autotrain-same-rows'): after AutoTrain's training
 * succeeded, both models are measured on the same rows (the measureOnSameRows activity) before the gate. A step that
 * fails is no failure of a run whose training succeeded: the gate compares the numbers as recorded, and says why;
 * but a pinned evaluation set (`evaluation.dataset`) that cannot be read promotes nothing (issue 23, point 5).
 */
import { ActivityFailure, ApplicationFailure, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { SameRowsResult } from '../backends/autotrain/autotrain-evaluation';
import { EVALUATION_SET_UNREADABLE } from './evaluation-failure';
import type { DataRef, JobRef, RunContext } from '../backends/types';
import { describe } from './announcement';
import { HTTP_RETRY } from './retrain-activities';
import { AUTOTRAIN_SAME_ROWS } from './retrain-patches';

/** Downloading two models and predicting a split may take a while on a CPU; a retry starts it over. */
const evaluationActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1h',
  scheduleToCloseTimeout: '3h',
  retry: { ...HTTP_RETRY, maximumAttempts: 3 },
});

/**
 * The evaluation step's answer for an AutoTrain run with a promotion rule (undefined for other backends, and for
 * runs started before it).
 */
export async function autotrainSameRows(
  run: RunContext,
  job: JobRef,
  data: DataRef,
  model: string | undefined,
): Promise<SameRowsResult | undefined> {
  // Without a promotion rule the newest model is promoted: nothing to compare.
  if (run.pipeline.backend.type !== 'autotrain' || !run.pipeline.promotion) return undefined;
  if (!patched(AUTOTRAIN_SAME_ROWS)) return undefined;
  try {
    return await evaluationActivities.measureOnSameRows(run, job, data, model);
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The pinned evaluation set the pipeline compares on could not be read, retries and all: nothing is promoted.
    if (
      err instanceof ActivityFailure &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === EVALUATION_SET_UNREADABLE
    )
      return { unmade: err.cause.message };
    return { missing: `AutoTrain's evaluation step failed (${describe(err)})` };
  }
}
