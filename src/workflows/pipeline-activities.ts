/** The activity proxies of PipelineWorkflow. */
import { proxyActivities } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import { HTTP_RETRY } from './retrain-activities';

/** Resolving main is quick; if the Hub stays unreachable for a minute, train the delivered revision. */
export const pipelineActivities = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1m',
  retry: HTTP_RETRY,
});
