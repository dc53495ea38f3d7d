import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { projectRoot } from './backends/local/default-trainer';
import type { Env } from './config/env';
import { existingWebhookSecret } from './config/webhook-secret';
import type { Logger } from './logging';
import { DISABLED_WORKFLOW_TRACING, type Tracing } from './observability/tracing';
import { runMetricsSinks, TRAINING_DURATION_BUCKETS, WORKER_METRICS } from './observability/worker-metrics';
import { PinoSdkLogger } from './temporal/sdk-logger';
import { tracedBundlePath, workflowInterceptorModules } from './temporal/workflow-bundle';
import { trainingEndedSignal } from './workflows/definitions';

export interface RetrainWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /**
   * A pre-built bundle (src/temporal/workflow-bundle.ts), the traced one when `tracing` is on
   * (bundlePathFromEnv picks it); otherwise the workflows are bundled at start.
   */
  workflowBundlePath?: string;
  /** RETRAIN_PAYLOAD_KEY's codecs: payloads are encrypted before they reach Temporal. */
  payloadCodecs?: PayloadCodec[];
  /** Tracing on: activity spans, and workflow spans exported through this process's span processor. */
  tracing?: Tracing;
  /** Overrides for tests and tuning (e.g. stickyQueueScheduleToStartTimeout). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'stickyQueueScheduleToStartTimeout'
      | 'maxCachedWorkflows'
      | 'maxConcurrentActivityTaskExecutions'
      | 'shutdownGraceTime'
      | 'identity'
      | 'defaultHeartbeatThrottleInterval'
    >
  >;
}

/** The pre-built bundle shipped in production images (`npm run bundle` at build time). */
export const DEFAULT_BUNDLE_PATH = join(projectRoot(), 'dist', 'workflow-bundle.js');

export async function createRetrainWorker(options: RetrainWorkerOptions): Promise<Worker> {
  const bundle = options.workflowBundlePath;
  const { tracing } = options;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities({ tellRun: runTeller(options), ...options.activities }),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    dataConverter: { payloadCodecs: options.payloadCodecs ?? [] },
    sinks: workflowSinks(tracing),
    interceptors: {
      ...(bundle ? {} : { workflowModules: workflowInterceptorModules(tracing !== undefined) }),
      ...(tracing
        ? {
            activity: [
              (ctx) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ],
          }
        : {}),
    },
    ...options.tuning,
  });
}

/**
 * How this worker tells a run that its training may have ended (the shared Jobs check): a trainingEnded signal,
 * which carries nothing, through the worker's own connection.
 */
function runTeller(options: RetrainWorkerOptions): (workflowId: string) => Promise<void> {
  const client = new Client({
    connection: options.connection,
    namespace: options.namespace,
    identity: `hub-retrain worker ${process.pid}@${hostname()}`,
  });
  return (workflowId) => client.workflow.getHandle(workflowId).signal(trainingEndedSignal);
}

/** The sinks of the workflow interceptors (run metrics; workflow spans when the traced bundle runs). */
export function workflowSinks(tracing?: Tracing) {
  const workflowTracing = tracing ?? DISABLED_WORKFLOW_TRACING;
  return {
    ...runMetricsSinks(),
    exporter: makeWorkflowExporter(workflowTracing.spanProcessor, workflowTracing.resource),
  };
}

/**
 * Routes SDK, workflow and activity logs into pino, and (with `metricsPort`) serves the SDK's metrics and
 * ours in the Prometheus format at `http://0.0.0.0:<port>/metrics`. Once per process.
 */
let runtimeInstalled = false;
export function installRuntimeLogger(logger: Logger, metrics: { port?: number } = {}): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new PinoSdkLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: {
      // The Rust core's own logs (connection retries during an outage...) go through pino too, not raw stderr.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metrics.port !== undefined
        ? {
            metrics: {
              prometheus: {
                bindAddress: `0.0.0.0:${metrics.port}`,
                useSecondsForDurations: true,
                histogramBucketOverrides: { [WORKER_METRICS.trainingDuration]: TRAINING_DURATION_BUCKETS },
              },
            },
          }
        : {}),
    },
  });
  runtimeInstalled = true;
}

export function activityDepsFromEnv(
  env: Env,
  extra: { temporalUiUrl?: string; temporalAddress?: string; receiverUrl?: string } = {},
): ActivityDeps {
  return {
    hubEndpoint: env.HF_ENDPOINT,
    hfToken: env.hfToken,
    autotrainApiUrl: env.AUTOTRAIN_API_URL,
    temporalUiUrl: extra.temporalUiUrl ?? env.TEMPORAL_UI_URL,
    publicUrl: env.PUBLIC_URL,
    // Jobs post their end to the receiver with a token derived from it (hf-jobs/end-notice.ts); it stays here.
    webhookSecret: existingWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR),
    receiverUrl: extra.receiverUrl,
    namespace: env.TEMPORAL_NAMESPACE,
    stateDir: resolve(env.RETRAIN_STATE_DIR),
    modelsDir: resolve(env.RETRAIN_MODELS_DIR),
    ...(extra.temporalAddress
      ? { temporal: { address: extra.temporalAddress, namespace: env.TEMPORAL_NAMESPACE } }
      : {}),
  };
}

/**
 * The pre-built bundle to run: WORKFLOW_BUNDLE_PATH, else the image's when running compiled code; with
 * `traced` (tracing on), the traced bundle beside it. A checkout running the TypeScript sources bundles them at
 * start, so a stale dist/ never runs old workflow code. A WORKFLOW_BUNDLE_PATH without its traced bundle, with
 * tracing on, is an error rather than a worker whose workflows silently send no spans.
 */
export function bundlePathFromEnv(env: Env, traced: boolean): string | undefined {
  if (env.WORKFLOW_BUNDLE_PATH) {
    const plain = resolve(env.WORKFLOW_BUNDLE_PATH);
    if (!traced) return plain;
    const withTracing = tracedBundlePath(plain);
    if (!existsSync(withTracing))
      throw new Error(
        `tracing is on, but WORKFLOW_BUNDLE_PATH has no traced bundle beside it (${withTracing}): ` +
          '`npm run bundle -- <path>` writes both',
      );
    return withTracing;
  }
  const path = traced ? tracedBundlePath(DEFAULT_BUNDLE_PATH) : DEFAULT_BUNDLE_PATH;
  const compiled = __filename.endsWith('.js');
  return compiled && existsSync(path) ? path : undefined;
}
