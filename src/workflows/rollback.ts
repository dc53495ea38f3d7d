/**
 * RollbackWorkflow: puts an earlier model of a pipeline back in service by hand (`hub-retrain rollback`, the
 * status page's button, `POST /api/pipelines/:name/rollback`), with the same steps and checks as a deploy; if
 * the earlier model fails them, what served is put back. Either way it is announced (`rolled-back`).
 */
import { isCancellation, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { AnnouncementFacts } from '../activities/announcements';
import { describe } from './announcement';
import { deploymentQuery, type Deployment, type RollbackInput } from './definitions';
import { HTTP_RETRY } from './retrain-activities';
import { deployRevision } from './retrain-deploy';

const { rollbackTarget, notify, notifyWebhook } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '5m',
  retry: HTTP_RETRY,
});

export async function RollbackWorkflow(input: RollbackInput): Promise<Deployment> {
  let deployment: Deployment | undefined;
  setHandler(deploymentQuery, () => deployment);
  const revision = input.to ?? (await rollbackTarget(input.pipeline));
  try {
    return await deployRevision({
      pipeline: input.pipeline,
      revision,
      by: input.by,
      reason: 'manual-rollback',
      onChange: (d) => (deployment = d),
    });
  } finally {
    if (deployment) await announceRollback(input, deployment);
  }
}

/** On the Community tab and the outgoing webhook; a failure to announce is logged, never the roll-back's failure. */
async function announceRollback(input: RollbackInput, deployment: Deployment): Promise<void> {
  const facts: AnnouncementFacts & { kind: 'rolled-back' } = {
    kind: 'rolled-back',
    pipeline: input.pipeline,
    revision: deployment.revision,
    workflowId: workflowInfo().workflowId,
    links: {},
    metrics: {},
    error: deployment.error,
    stage: 'deploying',
    deployment,
  };
  for (const [channel, post] of [
    ['discussion', () => notify(facts)],
    ['webhook', () => notifyWebhook(facts)],
  ] as const) {
    try {
      await post();
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('could not announce the roll-back', { channel, error: describe(err) });
    }
  }
}
