/**
 * The write side of the status API: train a pipeline's current head now, cancel a run, approve or reject
 * one that waits for approval. Each checks the run's state first, so a mistake is a clear 404 or 409.
 */
import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../config/config-schema';
import { approveSignal, rejectSignal, RetrainStage, type ApprovalDecision } from '../workflows/definitions';
import type { ActionResponse, TriggerResponse } from './api-schemas';
import { ConflictError, NotFoundError } from './api-errors';
import type { UpdateRecorder } from './record-update';
import type { StatusReader } from './status-reader';
import { TemporalUnavailableError, withinDeadline } from './temporal-call';

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

  async decide(workflowId: string, approved: boolean, decision: ApprovalDecision): Promise<ActionResponse> {
    const info = await this.openRun(workflowId);
    const stage = info.typedSearchAttributes.get(RetrainStage);
    if (stage !== 'awaiting-approval') {
      throw new ConflictError(`run "${workflowId}" is not waiting for approval (stage "${stage ?? 'unknown'}")`);
    }
    const handle = this.options.client.workflow.getHandle(workflowId);
    await this.call(() => handle.signal(approved ? approveSignal : rejectSignal, decision));
    return {
      accepted: true,
      workflowId,
      action: approved ? 'approve' : 'reject',
      message: approved ? 'approved: the run starts training' : 'rejected: the run ends without training',
    };
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
