/**
 * The write side of the status API: train a pipeline's current head now, cancel a run, approve or reject
 * one that waits for approval. A mistake is a clear 404 or 409: cancel checks the run's state first; a
 * decision is refused by the run itself.
 */
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { PipelineSpec } from '../../config/config-schema';
import { ApplicationFailure } from '@temporalio/common';
import {
  APPROVAL_REFUSED,
  decideUpdate,
  type ApprovalDecision,
  type ApprovalOutcome,
} from '../../workflows/definitions';
import type { ActionResponse, TriggerResponse } from './api-schemas';
import { ConflictError, NotFoundError } from './api-errors';
import type { UpdateRecorder } from '../webhook/record-update';
import type { StatusReader } from './status-reader';
import { TemporalUnavailableError, withinDeadline } from '../common/temporal-call';

export interface RunActionsOptions {
  client: Client;
  recorder: UpdateRecorder;
  reader: StatusReader;
  timeoutMs: number;
}

export class RunActions {
  constructor(private readonly options: RunActionsOptions) {}

  /** Records an update without a revision: the pipeline resolves the head of main and trains it. */
  async trigger(name: string): Promise<TriggerResponse> {
    const spec = this.spec(name);
    let workflowId: string;
    try {
      workflowId = await this.options.recorder.record(spec, undefined, {
        source: 'api',
        receivedAt: new Date().toISOString(),
      });
    } catch (err) {
      throw new TemporalUnavailableError(`Temporal could not record the update: ${(err as Error).message}`);
    }
    return {
      accepted: true,
      pipeline: spec.name,
      workflowId,
      message:
        `recorded: ${workflowId} resolves the head of ${spec.input_dataset} and trains it ` +
        '(unless that revision is trained, training or queued already)',
    };
  }

  async cancel(workflowId: string): Promise<ActionResponse> {
    await this.openRun(workflowId);
    await this.call(() => this.options.client.workflow.getHandle(workflowId).cancel());
    return {
      accepted: true,
      workflowId,
      action: 'cancel',
      message: 'cancellation requested: the run stops its training job, cleans up and ends cancelled',
    };
  }

  /**
   * Approves or rejects through the run's decide Update: the run itself admits the decision only while it
   * awaits approval and only once, so there is no check here that could race it. Its refusal is a 409.
   */
  async decide(workflowId: string, approved: boolean, decision: ApprovalDecision): Promise<ActionResponse> {
    const handle = this.options.client.workflow.getHandle(workflowId);
    let taken: ApprovalOutcome;
    try {
      taken = await this.call(() => handle.executeUpdate(decideUpdate, { args: [{ approved, ...decision }] }));
    } catch (err) {
      throw await this.refusal(workflowId, err);
    }
    return {
      accepted: true,
      workflowId,
      action: approved ? 'approve' : 'reject',
      decision: taken,
      message: `${taken.decision}${taken.by ? ` by ${taken.by}` : ''}: the run ${approved ? 'starts training' : 'ends without training'}`,
    };
  }

  /** Why an Update was not taken, as the error the API answers with. */
  private async refusal(workflowId: string, err: unknown): Promise<unknown> {
    if (err instanceof WorkflowUpdateFailedError) {
      const refused = err.cause instanceof ApplicationFailure && err.cause.type === APPROVAL_REFUSED;
      // Not the validator: not a run (404), or a run on a worker too old to know the Update (409).
      if (!refused) await this.openRun(workflowId);
      return new ConflictError(`run "${workflowId}": ${err.cause?.message ?? err.message}`);
    }
    if (err instanceof WorkflowNotFoundError) {
      await this.openRun(workflowId); // no such run (404), or it has ended (409)
      return new ConflictError(`run "${workflowId}" has already ended`);
    }
    if (err instanceof TemporalUnavailableError || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      // An Update is answered once a worker has run it: a timeout may also mean no worker is polling.
      return new TemporalUnavailableError(
        `the decision was not confirmed (${err.message}); it may still be taken when a worker picks the run ` +
          'up, so look at the run before deciding again (a second decision is refused)',
      );
    }
    return err;
  }

  private spec(name: string): PipelineSpec {
    const spec = this.options.reader.pipelines.find((p) => p.name === name);
    if (!spec) throw new NotFoundError(`unknown pipeline "${name}"`);
    return spec;
  }

  private async openRun(workflowId: string) {
    const info = await this.options.reader.describeRun(this.options.client.workflow.getHandle(workflowId));
    if (info.status.name !== 'RUNNING') {
      throw new ConflictError(`run "${workflowId}" has already ended (${info.status.name.toLowerCase()})`);
    }
    return info;
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return withinDeadline(this.options.client, this.options.timeoutMs, fn);
  }
}
