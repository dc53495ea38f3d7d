/** Facts read from workflow histories (which worker did what), for a scenario's own checks. */
import type { Client } from '@temporalio/client';
import { retrainRuns } from './invariants';
import type { PipelineUnderTest } from './stack';

/** The identities of the workers that ran the activities of these pipelines' RetrainWorkflows. */
export async function historyIdentities(client: Client, pipelines: PipelineUnderTest[]): Promise<Set<string>> {
  const identities = new Set<string>();
  for (const p of pipelines) {
    for (const run of await retrainRuns(client, p.name)) {
      const history = await client.workflow.getHandle(run.workflowId).fetchHistory();
      for (const event of history.events ?? []) {
        const identity = event.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
    }
  }
  return identities;
}

/**
 * The attempts of each `activityType` activity of a workflow that completed (or failed for good), as its
 * history records them, with the identity of the worker that ran the last attempt.
 */
export async function finishedAttempts(
  client: Client,
  workflowId: string,
  activityType: string,
): Promise<Array<{ attempt: number; identity: string }>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const out: Array<{ attempt: number; identity: string }> = [];
  for (const event of history.events ?? []) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) scheduled.set(String(event.eventId), type);
    const started = event.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === activityType) {
      out.push({ attempt: started.attempt ?? 1, identity: started.identity ?? '' });
    }
  }
  return out;
}
