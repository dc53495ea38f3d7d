/**
 * What RetrainWorkflow undoes when a run fails, is rejected or is cancelled. The plan is derived from the
 * carried state (not from a stack of closures) so it survives continue-as-new. Each compensation's own
 * failure is logged and the next one still runs. The activities decide what a step amounts to for the
 * pipeline's backend (a clean-up the pipeline did not ask for does nothing).
 */
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  patched,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import {
  pipelineWorkflowId,
  retrainFinishedSignal,
  type RetrainCarried,
  type RetrainInput,
  type RetrainProgress,
} from './definitions';
import { compensationActivities } from './retrain-activities';
import { describe } from './announcement';
import { announce } from './retrain-announce';
import { ACTIVITIES_DECIDE } from './retrain-patches';

/**
 * `beforeNotice`: a last step before the failure notice (settling what the run cost, once its job is stopped), so the
 * notice says it.
 */
export async function compensate(
  input: RetrainInput,
  carried: RetrainCarried,
  beforeNotice?: [string, () => Promise<unknown>],
): Promise<void> {
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  const { progress, project, job } = carried;
  const steps: Array<[string, () => Promise<unknown>]> = [];
  if (progress.deployment) {
    // The training ended and was evaluated: nothing of it to stop; the deploy has rolled itself back.
  } else if (patched(ACTIVITIES_DECIDE)) {
    // A job may exist as soon as its start was requested, even if the run never learnt its id.
    if (job || (project && carried.startRequested)) {
      steps.push(['stop the training job', () => compensationActivities.stopTraining(run, job, project)]);
    }
    if (project) steps.push(['clean up the project', () => compensationActivities.cleanupProject(run, project)]);
  } else {
    if (job) steps.push(['stop the training job', () => compensationActivities.stopTraining(run, job)]);
    const backend = input.pipeline.backend;
    if (project && 'cleanup' in backend && backend.cleanup) {
      steps.push(['clean up the project', () => compensationActivities.cleanupProject(run, project)]);
    }
  }
  if (beforeNotice) steps.push(beforeNotice);
  const kind = progress.outcome === 'cancelled' ? 'cancelled' : progress.outcome === 'rejected' ? 'rejected' : 'failed';
  steps.push([
    'post the failure notice',
    () => announce(input, progress, kind, { activities: compensationActivities }),
  ]);
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.error(`compensation could not ${what}`, { error: describe(err) });
      progress.compensationErrors = [...(progress.compensationErrors ?? []), `${what}: ${describe(err)}`];
    }
  }
}

/**
 * The run's failure once compensated: `message` (what the run records as its error), the original failure as
 * its cause, and the original's type on top ('TrainingFailed', 'HttpClientError', 'Rejected', ...), so the
 * Web UI and a client see what went wrong first, and the whole chain below it.
 */
export function failureAfterCompensation(err: unknown, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: failureType(err),
    message,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/** The first ApplicationFailure type in the chain; else a timeout's kind; else the error's own name. */
function failureType(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    if (current instanceof TimeoutFailure) return 'Timeout';
    current = current.cause;
  }
  return err instanceof Error && err.name !== 'Error' ? err.name : 'RetrainFailed';
}

/** Tell the pipeline this run ended. It may have continued as new since it started us, so go by id. */
export async function notifyParent(input: RetrainInput, progress: RetrainProgress): Promise<void> {
  const info = workflowInfo();
  try {
    await getExternalWorkflowHandle(pipelineWorkflowId(input.pipeline.name)).signal(retrainFinishedSignal, {
      workflowId: info.workflowId,
      revision: input.revision,
      startedAt: progress.timings.created ?? info.startTime.toISOString(),
      endedAt: new Date().toISOString(),
      outcome: progress.outcome,
      message: progress.error ?? progress.message,
    });
  } catch (err) {
    // Started on its own (tests, manual runs): there is no pipeline to tell.
    log.info('no pipeline workflow to notify', { error: describe(err) });
  }
}
