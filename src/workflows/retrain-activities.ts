/** The activity proxies of RetrainWorkflow, with their timeouts and retry policies declared once. */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';

/**
 * Retried with exponential backoff. Whether a failure may be retried at all is decided where it arises: the
 * activities raise the ones retrying cannot fix (any 4xx but 408 and 429, missing credentials, a permanent
 * backend problem) as non-retryable, and may shorten or lengthen the next wait from `Retry-After`
 * (src/activities/failures.ts).
 */
export const HTTP_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
};

/** createProject, addData, startProcessing, evaluate, publish, notify: each call is short; keep retrying for half an hour. */
export const stepActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '30m',
  retry: HTTP_RETRY,
});

/** The first check of a running job comes this soon after the start; the wait then doubles up to the interval. */
const FIRST_CHECK_DELAY_MS = 5_000;

/**
 * The wait for a training job: awaitTraining checks its status once per attempt and fails while the job
 * runs, so the retry policy spaces the checks (5 s, 10 s, 20 s, ... then the pipeline's poll interval)
 * without a workflow task or a history event between them, for at most `withinMs` in all. Transient
 * backend errors are retried on the same schedule (a `Retry-After` still wins); other 4xx end the wait.
 */
export function trainingWait(pollIntervalSeconds: number, withinMs: number) {
  const intervalMs = pollIntervalSeconds * 1000;
  return proxyActivities<RetrainActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: Math.max(1_000, Math.round(withinMs)),
    retry: {
      initialInterval: Math.min(FIRST_CHECK_DELAY_MS, intervalMs),
      backoffCoefficient: 2,
      maximumInterval: intervalMs,
    },
  });
}

/** Compensations: try hard, but never block the run's end forever. */
export const compensationActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1h',
  retry: HTTP_RETRY,
});

/** The price of a run's machine: a run without a budget does not wait long for it (it trains without a cost). */
export const priceActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '5m',
  retry: HTTP_RETRY,
});
