import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import type { Env } from './config/env';
import type { Logger } from './logging';
import { PinoSdkLogger } from './temporal/sdk-logger';

export interface RetrainWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** A pre-built bundle (bundleWorkflowCode); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** RETRAIN_PAYLOAD_KEY's codecs: payloads are encrypted before they reach Temporal. */
  payloadCodecs?: PayloadCodec[];
  /** Overrides for tests and tuning (e.g. stickyQueueScheduleToStartTimeout). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'stickyQueueScheduleToStartTimeout'
      | 'maxCachedWorkflows'
      | 'maxConcurrentActivityTaskExecutions'
      | 'shutdownGraceTime'
      | 'identity'
    >
  >;
}

/** The pre-built bundle shipped in production images, if present. */
export const DEFAULT_BUNDLE_PATH = resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export async function createRetrainWorker(options: RetrainWorkerOptions): Promise<Worker> {
  const bundle = options.workflowBundlePath;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.activities),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflows') }),
    dataConverter: { payloadCodecs: options.payloadCodecs ?? [] },
    ...options.tuning,
  });
}

/** Route SDK, workflow and activity logs into pino. Once per process. */
let runtimeInstalled = false;
export function installRuntimeLogger(logger: Logger): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new PinoSdkLogger(logger.child({ component: 'temporal' })) });
  runtimeInstalled = true;
}

export function activityDepsFromEnv(env: Env, extra: { temporalUiUrl?: string } = {}): ActivityDeps {
  return {
    hubEndpoint: env.HF_ENDPOINT,
    hfToken: env.hfToken,
    autotrainApiUrl: env.AUTOTRAIN_API_URL,
    temporalUiUrl: extra.temporalUiUrl ?? env.TEMPORAL_UI_URL,
    publicUrl: env.PUBLIC_URL,
    namespace: env.TEMPORAL_NAMESPACE,
    stateDir: resolve(env.RETRAIN_STATE_DIR),
    modelsDir: resolve(env.RETRAIN_MODELS_DIR),
  };
}

export function bundlePathFromEnv(env: Env): string | undefined {
  if (env.WORKFLOW_BUNDLE_PATH) return resolve(env.WORKFLOW_BUNDLE_PATH);
  return existsSync(DEFAULT_BUNDLE_PATH) ? DEFAULT_BUNDLE_PATH : undefined;
}
