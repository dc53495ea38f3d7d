/**
 * AutoTrain's outcome discussion, delivered by a Hub webhook on the target namespace (domain "discussion"): the
 * receiver finds the run that waits for that training Space and tells it (a trainingEnded signal), so it checks at
 * once instead of at its next periodic check. The Space's name gives the pipeline, the revision's first digits and
 * the attempt (training-space.ts); the run is the open RetrainWorkflow whose id, `retrain:<pipeline>:<revision>`,
 * starts with them, found through Temporal's visibility. The signal carries nothing from the delivery.
 *
 * The delivery has passed the same checks as a dataset update (webhook-route.ts: secret, content type, body limit,
 * payload bounds), and the same rule holds: 202 only once Temporal holds the notice, 503 (retry later) when it
 * could not take it, 200 when no run waits for that Space.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SpaceRun } from '../../backends/autotrain/training-space';
import { RETRAIN_WORKFLOW, retrainWorkflowId, trainingEndedSignal } from '../../workflows/definitions';
import { withinDeadline } from '../common/temporal-call';

export interface NoticeOutcome {
  /** The runs told (none: no run waits for the Space). */
  workflowIds: string[];
}

export class TrainingNotices {
  constructor(
    private readonly client: Client,
    /** Deadline of the visibility list and of each signal. */
    private readonly timeoutMs: number,
  ) {}

  /** Tells every open run the Space may be training for; throws when Temporal could not take a notice. */
  async tell(runs: readonly SpaceRun[]): Promise<NoticeOutcome> {
    const open = await this.waiting(runs);
    const told = await Promise.all(
      open.map((id) =>
        withinDeadline(this.client, this.timeoutMs, () =>
          this.client.workflow.getHandle(id).signal(trainingEndedSignal),
        ).then(
          () => id,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined; // it ended since it was listed
            throw err;
          },
        ),
      ),
    );
    return { workflowIds: told.filter((id): id is string => id !== undefined) };
  }

  /**
   * Tells one run (a Hugging Face job's own end notice, job-notice-route.ts): 'told' once it holds the notice,
   * 'not-running' when it has ended (or never ran); throws when Temporal could not take it.
   */
  async tellRun(workflowId: string): Promise<'told' | 'not-running'> {
    try {
      await withinDeadline(this.client, this.timeoutMs, () =>
        this.client.workflow.getHandle(workflowId).signal(trainingEndedSignal),
      );
      return 'told';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'not-running';
      throw err;
    }
  }

  /** The open runs whose workflow id starts with `retrain:<pipeline>:<revision prefix>` (an attempt is not in it). */
  private async waiting(runs: readonly SpaceRun[]): Promise<string[]> {
    // Safe to interpolate: pipeline names are letters, digits, ".", "_", "-" (config schema), prefixes hex.
    const ids = runs.map((r) => `WorkflowId STARTS_WITH '${retrainWorkflowId(r.pipeline.name, r.revisionPrefix)}'`);
    const query = `WorkflowType = '${RETRAIN_WORKFLOW}' AND ExecutionStatus = 'Running' AND (${ids.join(' OR ')})`;
    return withinDeadline(this.client, this.timeoutMs, async () => {
      const found: string[] = [];
      for await (const info of this.client.workflow.list({ query })) found.push(info.workflowId);
      return found;
    });
  }
}
