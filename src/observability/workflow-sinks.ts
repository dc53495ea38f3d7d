/**
 * The sinks the workflow interceptors report through (run metrics; workflow spans when the traced bundle runs):
 * the worker, the replayer and the history tools all install the same ones.
 */
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { DISABLED_WORKFLOW_TRACING, type Tracing } from './tracing';
import { runMetricsSinks } from './worker-metrics';

/** The sinks of the workflow interceptors (run metrics; workflow spans when the traced bundle runs). */
export function workflowSinks(tracing?: Tracing) {
  const workflowTracing = tracing ?? DISABLED_WORKFLOW_TRACING;
  return {
    ...runMetricsSinks(),
    exporter: makeWorkflowExporter(workflowTracing.spanProcessor, workflowTracing.resource),
  };
}
