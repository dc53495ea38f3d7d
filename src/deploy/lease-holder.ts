/**
 * Whether the workflow holding a pipeline's deploy lease still runs: a lease whose workflow has ended (failed,
 * cancelled, terminated before it gave the lease back) holds nothing, and may be taken over before it expires.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DeployLease } from '../registry/deploy-lease';

export async function leaseHolderRuns(client: Client | undefined, lease: DeployLease): Promise<boolean> {
  if (!client) return true;
  try {
    const description = await client.workflow.getHandle(lease.holder).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    // Temporal cannot say: the lease stands until it expires.
    return true;
  }
}

/** What a refused deploy or roll-back is told. */
export function leaseHeldMessage(pipeline: string, lease: DeployLease): string {
  return (
    `a deploy of ${pipeline} is under way (${lease.holder}, revision ${lease.revision.slice(0, 12)}, since ` +
    `${lease.since}): wait until it ends (at the latest ${lease.expiresAt}), then try again`
  );
}
