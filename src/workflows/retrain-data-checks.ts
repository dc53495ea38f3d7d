/**
 * The first stage of RetrainWorkflow, `checking-data` (patch 'data-checks'): the data checks of the revision, before
 * anything is created or spent. A finding whose policy is `fail` ends the run here (outcome failed: nothing to
 * compensate but the notice); one whose policy is `approve` waits for a person through the approval gate, with the
 * report in the request (the run view, the approval announcement); `warn` findings are recorded, and the run's
 * announcements carry them.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import { findingLine, verdict } from '../datasets/data-report';
import type { RetrainInput, RetrainProgress, Stage } from './definitions';
import { HTTP_RETRY } from './retrain-activities';
import { awaitApproval, type ApprovalGate } from './retrain-approval';

/**
 * Downloading a revision and reading a million rows takes minutes, not the steps' two: the activity heartbeats while
 * the checker runs, so a worker that dies is noticed within the heartbeat timeout.
 */
const dataCheckActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '40m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '2h',
  retry: HTTP_RETRY,
});

/** Checks the revision; resolves with whether a person approved the run (then it is not asked again). */
export async function checkRevisionData(
  input: RetrainInput,
  progress: RetrainProgress,
  approval: ApprovalGate,
  enterStage: (stage: Stage) => void,
): Promise<{ approved: boolean }> {
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  enterStage('checking-data');
  // Cancellable: nothing exists yet that a compensation would need to know of.
  const report = await dataCheckActivities.checkData(run);
  progress.dataChecks = report.checks;
  if (report.skipped) progress.dataChecksSkipped = report.skipped;
  const { failed, toApprove } = verdict(report.checks);
  if (failed.length > 0) {
    progress.outcome = 'failed';
    throw ApplicationFailure.nonRetryable(
      `the data checks failed: ${failed.map(findingLine).join('; ')}`,
      'DataChecksFailed',
    );
  }
  if (toApprove.length === 0) return { approved: false };
  approval.require();
  await awaitApproval(
    input,
    progress,
    approval,
    enterStage,
    toApprove.map((c) => c.check),
  );
  return { approved: true };
}
