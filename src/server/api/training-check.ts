/**
 * A run waiting for its training job waits in one retried activity (awaitTraining), so its latest status
 * check lives in Temporal's record of that pending activity, not in the workflow: its attempt number, its
 * last failure (STILL_TRAINING, carrying the backend's status) and the time of the next check. Reading it
 * needs describe only, no worker.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { TrainingStatus } from '../../backends/types';
import { AWAIT_TRAINING_ACTIVITY, STILL_TRAINING } from '../../workflows/definitions';

export interface TrainingCheck {
  /** Status checks finished so far. */
  checks: number;
  /** What the last check saw, when it reached the backend. */
  status?: TrainingStatus;
  /** Why the last check did not reach the backend (it will be retried). */
  error?: string;
  nextCheckAt?: string;
}

export async function pendingTrainingCheck(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<TrainingCheck | undefined> {
  const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === AWAIT_TRAINING_ACTIVITY);
  if (!pending) return undefined;
  const check: TrainingCheck = {
    checks: Math.max(0, (pending.attempt ?? 1) - 1),
    nextCheckAt: optionalTsToDate(pending.nextAttemptScheduleTime)?.toISOString(),
  };
  const failure = await decodeOptionalFailureToOptionalError(
    client.options.loadedDataConverter,
    pending.lastFailure,
  ).catch(() => undefined);
  if (failure instanceof ApplicationFailure && failure.type === STILL_TRAINING && isStatus(failure.details?.[0])) {
    check.status = failure.details[0];
  } else if (failure) {
    check.error = failure.message;
  }
  return check;
}

function isStatus(value: unknown): value is TrainingStatus {
  return typeof value === 'object' && value !== null && typeof (value as { state?: unknown }).state === 'string';
}
