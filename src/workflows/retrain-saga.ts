/**
 * What RetrainWorkflow undoes when a run fails, is rejected or is cancelled. The plan is derived from the
 * carried state (not from a stack of closures) so it survives continue-as-new. Each compensation's own
 * failure is logged and the next one still runs.
 */
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
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

export async function compensate(input: RetrainInput, carried: RetrainCarried): Promise<void> {
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  const { progress, project, job } = carried;
  const steps: Array<[string, () => Promise<unknown>]> = [];
  if (job) steps.push(['stop the training job', () => compensationActivities.stopTraining(run, job)]);
  const backend = input.pipeline.backend;
  if (project && 'cleanup' in backend && backend.cleanup) {
    steps.push(['clean up the project', () => compensationActivities.cleanupProject(run, project)]);
  }
  const kind = progress.outcome === 'cancelled' ? 'cancelled' : progress.outcome === 'rejected' ? 'rejected' : 'failed';
  steps.push(['post the failure notice', () => announce(input, progress, kind, compensationActivities)]);
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.error(`compensation could not ${what}`, { error: describe(err) });
      progress.compensationErrors = [...(progress.compensationErrors ?? []), `${what}: ${describe(err)}`];
    }
  }
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
