/**
 * RollbackWorkflow: puts an earlier model of a pipeline back in service by hand (`hub-retrain rollback`, the
 * status page's button, `POST /api/pipelines/:name/rollback`), with the same steps and checks as a deploy; if
 * the earlier model fails them, what served is put back.
 */
import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import { deploymentQuery, type Deployment, type RollbackInput } from './definitions';
import { HTTP_RETRY } from './retrain-activities';
import { deployRevision } from './retrain-deploy';

const { rollbackTarget } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '5m',
  retry: HTTP_RETRY,
});

export async function RollbackWorkflow(input: RollbackInput): Promise<Deployment> {
  let deployment: Deployment | undefined;
  setHandler(deploymentQuery, () => deployment);
  const revision = input.to ?? (await rollbackTarget(input.pipeline));
  return deployRevision({
    pipeline: input.pipeline,
    revision,
    by: input.by,
    reason: 'manual-rollback',
    onChange: (d) => (deployment = d),
  });
}
