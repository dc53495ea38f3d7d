/** The activity proxies of RetrainWorkflow, with their timeouts and retry policies declared once. */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';

/**
 * 429, 5xx and network errors are retried with exponential backoff (an activity may shorten or lengthen
 * the next wait from `Retry-After`); any other 4xx is raised as non-retryable by the activity itself.
 */
export const HTTP_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
  nonRetryableErrorTypes: ['ConfigError', 'MissingCredentials'],
};

/** createProject, addData, startProcessing, notify: each call is short; keep retrying for half an hour. */
export const stepActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '30m',
  retry: HTTP_RETRY,
});

/** One status check; a backend that stays unreachable for two hours fails the run (and compensates). */
export const pollActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '2h',
  retry: HTTP_RETRY,
});

/** Compensations: try hard, but never block the run's end forever. */
export const compensationActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1h',
  retry: HTTP_RETRY,
});
