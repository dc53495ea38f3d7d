/**
 * The floor's errors: kinds of failure that modules at every level raise and the activities classify (a problem
 * that retrying the same step cannot fix becomes a non-retryable ApplicationFailure, src/activities/failures.ts).
 * It imports nothing, so the Hub client, the dataset readers and the backends can all take it from below.
 */

/** A backend problem that retrying the same step cannot fix (bad configuration, missing data). */
export class PermanentBackendError extends Error {
  override readonly name: string = 'PermanentBackendError';
}
