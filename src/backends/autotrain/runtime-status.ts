import type { SpaceRuntime } from '../../hub/hub-client';
import type { TrainingState } from '../types';

/**
 * AutoTrain Advanced has no status endpoint: a job is a Space that trains, pushes the model, opens a
 * discussion with one of these titles and pauses itself. This mapping is inferred from its code, not a
 * documented promise, so it lives here and nowhere else.
 */
export const AUTOTRAIN_SUCCESS_TITLE = 'Your training has finished successfully ✅';
export const AUTOTRAIN_FAILURE_TITLE = 'Your training has failed ❌';

const IN_PROGRESS = new Set(['BUILDING', 'APP_STARTING', 'RUNNING', 'RUNNING_BUILDING', 'RUNNING_APP_STARTING']);
const BROKEN = new Set(['RUNTIME_ERROR', 'BUILD_ERROR', 'CONFIG_ERROR', 'NO_APP_FILE']);
const ENDED = new Set(['PAUSED', 'STOPPED', 'SLEEPING']);

const STARTING = new Set(['BUILDING', 'APP_STARTING']);

/** The outcome discussion can only exist once the Space has run; before that, skip the lookup. */
export function outcomeMayBePosted(runtime: SpaceRuntime | undefined): boolean {
  return runtime === undefined || !STARTING.has(runtime.stage);
}

/** A Space that still holds (or may hold) hardware: anything but gone, paused, stopped or being deleted. */
export function needsStopping(runtime: SpaceRuntime | undefined): boolean {
  return runtime !== undefined && !ENDED.has(runtime.stage) && runtime.stage !== 'DELETING';
}

export function autotrainState(
  runtime: SpaceRuntime | undefined,
  discussionTitles: readonly string[],
): { state: TrainingState; message?: string } {
  if (discussionTitles.includes(AUTOTRAIN_SUCCESS_TITLE))
    return { state: 'succeeded', message: 'AutoTrain reported success' };
  if (discussionTitles.includes(AUTOTRAIN_FAILURE_TITLE))
    return { state: 'failed', message: 'AutoTrain reported that the training failed' };
  if (runtime === undefined) return { state: 'failed', message: 'the training Space no longer exists' };
  if (STARTING.has(runtime.stage)) return { state: 'queued' };
  if (IN_PROGRESS.has(runtime.stage)) return { state: 'running' };
  if (BROKEN.has(runtime.stage)) {
    return {
      state: 'failed',
      message: `the training Space is in ${runtime.stage}${runtime.errorMessage ? `: ${runtime.errorMessage}` : ''}`,
    };
  }
  if (runtime.stage === 'DELETING') return { state: 'cancelled', message: 'the training Space is being deleted' };
  if (ENDED.has(runtime.stage))
    return { state: 'failed', message: `the training Space is ${runtime.stage} without reporting an outcome` };
  return { state: 'running', message: `unknown Space stage ${runtime.stage}` };
}
