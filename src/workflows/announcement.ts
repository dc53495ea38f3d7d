/** Helpers RetrainWorkflow and its saga share: what an announcement says, and how a failure reads. */
import { ActivityFailure, workflowInfo } from '@temporalio/workflow';
import type { AnnouncementFacts } from '../activities/announcements';
import type { RetrainInput, RetrainProgress } from './definitions';

export function announcementFacts(input: RetrainInput, progress: RetrainProgress): AnnouncementFacts {
  return {
    pipeline: input.pipeline,
    revision: input.revision,
    workflowId: workflowInfo().workflowId,
    jobId: progress.jobId,
    links: { ...progress.links },
    metrics: { ...progress.metrics },
    error: progress.error,
    stage: progress.stage,
    promotion: progress.promotion,
    ...(progress.cost ? { cost: progress.cost } : {}),
    ...(progress.priceUnknown ? { priceUnknown: progress.priceUnknown } : {}),
    ...(progress.budget ? { budget: progress.budget } : {}),
    ...(progress.deployment ? { deployment: progress.deployment } : {}),
    ...(progress.dataChecks ? { dataChecks: progress.dataChecks.filter((c) => c.status !== 'pass') } : {}),
  };
}

/** "startProcessing: POST .../create_project answered 422: ..." from a failure chain. */
export function describe(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let step: string | undefined;
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ActivityFailure && current.activityType) step ??= current.activityType;
    if (current.message && !(current instanceof ActivityFailure)) message = current.message;
    current = current.cause;
  }
  return step ? `${step}: ${message}` : message;
}
