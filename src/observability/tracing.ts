/**
 * OpenTelemetry tracing, off by default and on when the standard OTLP endpoint variable is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true turns it off).
 * One span processor serves the process's own spans (the receiver's HTTP span, the Temporal client and
 * activity interceptors) and the workflow spans the workflow interceptors send through the `exporter` sink.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Env } from '../config/env';

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Where spans go (for the start-up log line; no credentials: headers are not part of it). */
  endpoint: string;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

type TracingEnv = Pick<
  Env,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_SDK_DISABLED'
>;

/** The OTLP/HTTP traces URL, as the OpenTelemetry specification derives it; undefined when tracing is off. */
export function tracesEndpoint(env: TracingEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

let active: Tracing | undefined;

/**
 * Starts tracing for this process (once; later calls return the same). `service` names the part
 * (`hub-retrain-receiver`, `hub-retrain-worker`, `hub-retrain`) unless OTEL_SERVICE_NAME says otherwise.
 */
export function startTracing(env: TracingEnv, service: string): Tracing | undefined {
  if (active) return active;
  const url = tracesEndpoint(env);
  if (!url) return undefined;
  const resource = Resource.default().merge(new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? service }));
  const exporter =
    env.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json' ? new OtlpJsonExporter({ url }) : new OtlpProtobufExporter({ url });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register({
    contextManager: new AsyncLocalStorageContextManager().enable(),
    propagator: new W3CTraceContextPropagator(),
  });
  active = {
    tracer: trace.getTracer('hub-retrain'),
    resource,
    spanProcessor,
    endpoint: url,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      active = undefined;
    },
  };
  return active;
}

/** What the workflow span sink needs when tracing is off: the bundle always carries the interceptors. */
export const DISABLED_WORKFLOW_TRACING = { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() };

/** The Temporal client's interceptors: a span per client call, its context carried into the workflow. */
export function clientInterceptors(tracing: Tracing | undefined) {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}
