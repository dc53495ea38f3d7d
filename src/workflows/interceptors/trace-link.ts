/**
 * A workflow interceptor (bundled, see src/temporal/workflow-bundle.ts) that keeps one trace per delivery:
 * PipelineWorkflow starts a RetrainWorkflow from its main loop, whose trace context is the pipeline run's,
 * not the delivery's. This remembers the trace context each `datasetUpdated` signal carried and starts the
 * child for a delivery inside that context, so the run joins the trace of the webhook that asked for it.
 * It issues no commands: replay is unaffected.
 */
import { context, type Context } from '@opentelemetry/api';
import { extractContextFromHeaders } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import type {
  Next,
  SignalInput,
  StartChildWorkflowExecutionInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import {
  datasetUpdatedSignal,
  RETRAIN_WORKFLOW,
  type DatasetUpdate,
  type Delivery,
  type RetrainInput,
} from '../definitions';

/** Deliveries remembered per pipeline run; a run only ever starts for the newest waiting one. */
const KEEP = 20;

const deliveryKey = (d: Delivery | undefined): string | undefined =>
  d ? [d.source, d.receivedAt, d.webhookId ?? '', d.newSha ?? ''].join('|') : undefined;

class SignalContexts implements WorkflowInboundCallsInterceptor {
  constructor(private readonly contexts: Map<string, Context>) {}

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (input.signalName === datasetUpdatedSignal.name) {
      const key = deliveryKey((input.args[0] as DatasetUpdate | undefined)?.delivery);
      const ctx = extractContextFromHeaders(input.headers);
      if (key && ctx) {
        this.contexts.set(key, ctx);
        for (const old of this.contexts.keys()) {
          if (this.contexts.size <= KEEP) break;
          this.contexts.delete(old);
        }
      }
    }
    return next(input);
  }
}

class ChildInDeliveryContext implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly contexts: Map<string, Context>) {}

  async startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const key =
      input.workflowType === RETRAIN_WORKFLOW
        ? deliveryKey((input.options.args?.[0] as RetrainInput | undefined)?.delivery)
        : undefined;
    const ctx = key ? this.contexts.get(key) : undefined;
    return ctx ? context.with(ctx, () => next(input)) : next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const contexts = new Map<string, Context>();
  return { inbound: [new SignalContexts(contexts)], outbound: [new ChildInDeliveryContext(contexts)] };
};
