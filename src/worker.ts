import { resolve } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import type { Env } from './config/env';
import { existingWebhookSecret } from './config/webhook-secret';
import type { Logger } from './logging';
import { type Tracing } from './observability/tracing';
import { TRAINING_DURATION_BUCKETS, WORKER_METRICS } from './observability/worker-metrics';
import { workflowSinks } from './observability/workflow-sinks';
import { PinoSdkLogger } from './temporal/sdk-logger';
import { workflowInterceptorModules } from './temporal/workflow-bundle';
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
