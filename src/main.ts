/**
 * Composition root: wires configuration, Temporal, the worker and the receiver for the three ways to run
 * (all in one with an embedded dev server, worker alone, receiver alone).
 */
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { PipelineSpec } from './config/config-schema';
import type { Env } from './config/env';
import { resolveWebhookSecret, type ResolvedSecret } from './config/webhook-secret';
import type { Logger } from './logging';
import { ReceiverMetrics } from './observability/metrics';
import { pipelineLoadReader, registerPipelineGauges } from './observability/pipeline-gauges';
import { clientInterceptors, startTracing, type Tracing } from './observability/tracing';
import { startReceiver, type Receiver } from './server/serve';
import { watchLocalDatasets } from './server/watch-local-datasets';
import { startDevServer, type DevServer } from './temporal/dev-server';
import { payloadCodecs } from './temporal/payload-codec';
import { ensureSearchAttributes } from './temporal/search-attributes';
import {
  connectClient,
  connectWorker,
  describeConnection,
  temporalConnectionOptions,
  type TemporalConnectionOptions,
} from './temporal/connection-options';
import { activityDepsFromEnv, bundlePathFromEnv, createRetrainWorker, installRuntimeLogger } from './worker';

export interface Service {
  /** Resolves when the service has stopped (after stop() or a fatal worker error). */
  done: Promise<void>;
  stop(): Promise<void>;
  receiver?: Receiver;
  address: string;
}

/** `npm start`: an embedded dev server (unless TEMPORAL_ADDRESS is set), the worker and the receiver. */
export async function runAll(env: Env, pipelines: PipelineSpec[], logger: Logger): Promise<Service> {
  installRuntimeLogger(logger, { port: env.METRICS_PORT }); // before the dev server: both use the SDK's runtime
  const tracing = startTracing(env, 'hub-retrain');
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, true);
  let dev: DevServer | undefined;
  let uiUrl = env.TEMPORAL_UI_URL;
  if (!env.TEMPORAL_ADDRESS) {
    logger.info('starting the embedded Temporal dev server');
    dev = await startDevServer({
      stateDir: env.RETRAIN_STATE_DIR,
      port: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
      cliPath: env.TEMPORAL_CLI_PATH,
    }).catch((err: Error) => {
      throw new Error(
        `could not start the Temporal dev server on port ${env.TEMPORAL_DEV_PORT} (${err.message}). ` +
          `Is another one running? Set TEMPORAL_ADDRESS to use it, or TEMPORAL_DEV_PORT to pick another port.`,
      );
    });
    uiUrl = dev.uiUrl;
  }
  const connection = temporalConnectionOptions(env, { address: dev?.address, embedded: dev !== undefined });
  const address = connection.address;
  const worker = await startWorkerParts(env, connection, logger, uiUrl, tracing);
  const receiver = await startReceiverParts(env, pipelines, connection, secret, logger, uiUrl, false, tracing);

  printBanner(env, pipelines, { address, uiUrl, secret, receiverPort: receiver.receiver.port, embedded: dev });
  return combine(
    address,
    logger,
    [
      receiver,
      worker,
      ...(dev ? [{ done: new Promise<void>(() => {}), stop: () => dev.stop() }] : []),
      ...tracingPart(tracing),
    ],
    receiver.receiver,
  );
}

/** `npm run worker`: the worker alone, against TEMPORAL_ADDRESS. */
export async function runWorker(env: Env, logger: Logger): Promise<Service> {
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  const tracing = startTracing(env, 'hub-retrain-worker');
  const connection = temporalConnectionOptions(env);
  const worker = await startWorkerParts(env, connection, logger, env.TEMPORAL_UI_URL, tracing);
  logger.info(
    {
      address: describeConnection(connection),
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowBundle: worker.bundle ?? 'bundled at start',
      metrics: env.METRICS_PORT !== undefined ? `:${env.METRICS_PORT}/metrics` : 'off',
      tracing: tracing?.endpoint ?? 'off',
    },
    'worker running',
  );
  return combine(connection.address, logger, [worker, ...tracingPart(tracing)]);
}

/** `npm run server`: the receiver alone, against TEMPORAL_ADDRESS (it starts even if Temporal is down). */
export async function runServer(env: Env, pipelines: PipelineSpec[], logger: Logger): Promise<Service> {
  const tracing = startTracing(env, 'hub-retrain-receiver');
  const connection = temporalConnectionOptions(env);
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false);
  const receiver = await startReceiverParts(
    env,
    pipelines,
    connection,
    secret,
    logger,
    env.TEMPORAL_UI_URL,
    true,
    tracing,
  );
  logger.info(
    { port: receiver.receiver.port, address: describeConnection(connection), tracing: tracing?.endpoint ?? 'off' },
    'receiver listening',
  );
  return combine(connection.address, logger, [receiver, ...tracingPart(tracing)], receiver.receiver);
}

/** Stops tracing last, so the spans of the shutdown itself are flushed. */
function tracingPart(tracing: Tracing | undefined): Part[] {
  return tracing ? [{ done: new Promise<void>(() => {}), stop: () => tracing.shutdown() }] : [];
}

interface Part {
  done: Promise<void>;
  stop(): Promise<void>;
}

async function startWorkerParts(
  env: Env,
  options: TemporalConnectionOptions,
  logger: Logger,
  uiUrl?: string,
  tracing?: Tracing,
): Promise<Part & { bundle?: string }> {
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  // Before connecting: a missing traced bundle stops the worker with nothing started.
  const bundle = bundlePathFromEnv(env, tracing !== undefined);
  const connection = await connectWorker(options);
  const worker: Worker = await createRetrainWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: activityDepsFromEnv(env, { temporalUiUrl: uiUrl }),
    workflowBundlePath: bundle,
    tracing,
    payloadCodecs: payloadCodecs(env.RETRAIN_PAYLOAD_KEY),
    tuning: {
      // On SIGTERM running activities get this long to finish; then they are cancelled and retried elsewhere.
      shutdownGraceTime: env.SHUTDOWN_GRACE_MS,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    },
  });
  const done = worker.run().finally(() => connection.close());
  return {
    done,
    bundle,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

async function startReceiverParts(
  env: Env,
  pipelines: PipelineSpec[],
  options: TemporalConnectionOptions,
  secret: ResolvedSecret,
  logger: Logger,
  uiUrl: string | undefined,
  lazy: boolean,
  tracing?: Tracing,
): Promise<Part & { receiver: Receiver }> {
  const connection = await connectClient(options, lazy);
  if (!lazy) {
    const added = await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    if (added.length > 0) logger.info({ added }, 'registered search attributes');
  }
  const client = new Client({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    interceptors: clientInterceptors(tracing),
    dataConverter: { payloadCodecs: payloadCodecs(env.RETRAIN_PAYLOAD_KEY) },
  });
  const metrics = new ReceiverMetrics();
  registerPipelineGauges(
    metrics.registry,
    pipelineLoadReader(
      client,
      pipelines.map((p) => p.name),
    ),
  );
  const receiver = await startReceiver({
    client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    pipelines,
    webhookSecret: secret.secret,
    port: env.PORT,
    logger,
    signalTimeoutMs: env.SIGNAL_TIMEOUT_MS,
    temporalUiUrl: uiUrl,
    adminToken: env.ADMIN_TOKEN,
    metrics,
    tracer: tracing?.tracer,
    drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS,
    graceMs: env.SHUTDOWN_GRACE_MS,
  });
  const watchers = await watchLocalDatasets(pipelines, receiver.recorder, env.RETRAIN_STATE_DIR, logger);
  let closed: () => void = () => {};
  const done = new Promise<void>((resolve) => (closed = resolve));
  return {
    receiver,
    done,
    stop: async () => {
      await watchers.stop();
      await receiver.close();
      await connection.close();
      closed();
    },
  };
}

/** Stops every part in order (receiver first, so nothing new arrives; the dev server last). */
function combine(address: string, logger: Logger, parts: Part[], receiver?: Receiver): Service {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const part of parts) {
        try {
          await part.stop();
        } catch (err) {
          logger.error({ err: { message: (err as Error).message } }, 'error while stopping');
        }
      }
    })());
  // If any part ends on its own (say, the worker fails), stop the rest.
  const done = Promise.race(parts.map((p) => p.done)).then(stop, async (err: unknown) => {
    logger.error({ err: { message: (err as Error).message } }, 'a part of the service failed; stopping');
    await stop();
    throw err;
  });
  return { done, stop, receiver, address };
}

function printBanner(
  env: Env,
  pipelines: PipelineSpec[],
  info: { address: string; uiUrl?: string; secret: ResolvedSecret; receiverPort: number; embedded?: DevServer },
): void {
  const receiverUrl = `http://localhost:${info.receiverPort}`;
  const secretLine =
    info.secret.source === 'env'
      ? '(from WEBHOOK_SECRET)'
      : `${info.secret.secret}  (${info.secret.source === 'generated' ? 'generated and ' : ''}kept in ${info.secret.file})`;
  const first = pipelines[0];
  const lines = [
    '',
    'hub-retrain is running',
    `  Receiver        ${receiverUrl}   (POST /webhook, GET /readyz)`,
    `  Status          ${receiverUrl}/   (API: ${receiverUrl}/api/openapi.json; write API ${env.ADMIN_TOKEN ? 'enabled (ADMIN_TOKEN)' : 'disabled: set ADMIN_TOKEN'})`,
    `  Temporal Web UI ${info.uiUrl ?? '(not known: set TEMPORAL_UI_URL)'}`,
    `  Temporal        ${info.address}${info.embedded ? `   (embedded dev server, ${info.embedded.executable}, data in ${env.RETRAIN_STATE_DIR}/temporal.db)` : ''}`,
    `  Task queue      ${env.TEMPORAL_TASK_QUEUE}`,
    `  Webhook secret  ${secretLine}`,
    `  Pipelines       ${pipelines.map((p) => `${p.name} (${p.input_dataset} -> ${p.backend.type})`).join(', ')}`,
    '',
    'Point a Hub webhook (https://huggingface.co/settings/webhooks) at <public url>/webhook with that secret,',
    `watching the dataset, domain "repo" (or: npx hub-retrain hub-webhook create ${first?.name ?? '<pipeline>'} --url <public url>).`,
    `To try it without pushing to the Hub: npx hub-retrain send-test-webhook ${first?.name ?? '<pipeline>'}   Or by hand:`,
    `  curl -i ${receiverUrl}/webhook -H 'Content-Type: application/json' -H 'X-Webhook-Secret: <secret>' \\`,
    `    -d '{"event":{"action":"update","scope":"repo.content"},"repo":{"type":"dataset","name":"${first?.input_dataset ?? 'owner/name'}"},"webhook":{"id":"manual","version":3}}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
