/**
 * AutoTrain's evaluation step could not read the pinned evaluation set for a reason that may pass (a 429 or 5xx):
 * the activity is retried, and when its retries run out the workflow reads this failure's type (the
 * ApplicationFailure's `type` is the error's name) and the gate promotes nothing (retrain-same-rows.ts).
 * No imports: the workflow bundle and the activity (src/backends/autotrain/autotrain-evaluation.ts) both read it.
 */
export const EVALUATION_SET_UNREADABLE = 'EvaluationSetUnreadable';

export class EvaluationSetUnreadable extends Error {
  override readonly name: string = EVALUATION_SET_UNREADABLE;
}
