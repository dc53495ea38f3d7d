import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../../config/config-schema';
import type { ReceiverMetrics } from '../../observability/metrics';
import {
  datasetUpdatedSignal,
  PIPELINE_WORKFLOW,
  pipelineWorkflowId,
  RetrainDataset,
  RetrainPipeline,
  type DatasetUpdate,
  type Delivery,
} from '../../workflows/definitions';
import { boundedDelivery } from '../../workflows/delivery';
import type { PipelineWorkflow } from '../../workflows/pipeline';
import { withinDeadline } from '../common/temporal-call';

/**
 * Records "this pipeline's dataset may have changed" durably: signalWithStart into `pipeline:<name>`.
 * Resolves only once Temporal holds the signal; rejects if it could not within `timeoutMs`.
 *
 * Every sender (webhooks, the trigger API, folder watchers) comes through here, so this is where the signal
 * is bounded: the pipeline's configuration (the operator's config.json), the revision, and the delivery's
 * bounded facts (src/workflows/delivery.ts), never a payload's own strings at their full length.
 */
export class UpdateRecorder {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeoutMs: number,
    private readonly metrics?: ReceiverMetrics,
  ) {}

  async record(pipeline: PipelineSpec, revision: string | undefined, delivery: Delivery): Promise<string> {
    const workflowId = pipelineWorkflowId(pipeline.name);
    const update: DatasetUpdate = { pipeline, revision, delivery: boundedDelivery(delivery) };
    await this.client.connection
      .withDeadline(Date.now() + this.timeoutMs, () =>
        this.client.workflow.signalWithStart<typeof PipelineWorkflow, [DatasetUpdate]>(PIPELINE_WORKFLOW, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [{ name: pipeline.name }],
          signal: datasetUpdatedSignal,
          signalArgs: [update],
          typedSearchAttributes: [
            { key: RetrainPipeline, value: pipeline.name },
            { key: RetrainDataset, value: pipeline.input_dataset },
          ],
        }),
      )
      .catch((err: unknown) => {
        this.metrics?.signalFailure(pipeline.name);
        throw err;
      });
    return workflowId;
  }

  /** Temporal answers within `timeoutMs`. */
  async reachable(timeoutMs = 2000): Promise<boolean> {
    return withinDeadline(this.client, timeoutMs, () => this.client.workflowService.getSystemInfo({})).then(
      () => true,
      () => false,
    );
  }
}
