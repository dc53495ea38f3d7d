/**
 * Composition root: wires configuration, Temporal, the worker and the receiver for the three ways to run
 * (all in one with an embedded dev server, worker alone, receiver alone).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { PipelineSpec } from './config/config-schema';
import type { Env } from './config/env';
import { resolveWebhookSecret, type ResolvedSecret } from './config/webhook-secret';
import type { Logger } from './logging';
import { ReceiverMetrics } from './observability/metrics';
import { pipelineLoadReader, registerPipelineGauges } from './observability/pipeline-gauges';
import { registerSpendCounter } from './observability/spend-counter';
import { SpendReader } from './server/api/spend-reader';
import { clientInterceptors, startTracing, type Tracing } from './observability/tracing';
import { portInUse, PortInUseError } from './http/port-check';
import { HubClient } from './hub/hub-client';
import { backendLogTails } from './server/api/log-tails';
import { readReceiverFile, writeReceiverFile } from './server/receiver-file';
import { startReceiver, type Receiver } from './server/serve';
import { watchLocalDatasets } from './server/webhook/watch-local-datasets';
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
import { activityDepsFromEnv, createRetrainWorker, installRuntimeLogger } from './worker';
import { bundlePathFromEnv } from './temporal/workflow-bundle';

export interface Service {
  /** Resolves when the service has stopped (after stop() or a fatal worker error). */
  done: Promise<void>;
  stop(): Promise<void>;
  receiver?: Receiver;
  address: string;
}

/** Lets a Ctrl-C (or SIGTERM) that arrives while the service starts stop what has started, and nothing more. */
export interface StartOptions {
  signal?: AbortSignal;
}

/** A stop was asked for while the service was starting; what had started is stopped again. */
export class StartAborted extends Error {
  override readonly name = 'StartAborted';
  constructor() {
    super('stopped while starting');
  }
}

/**
 * `npm start`: an embedded dev server (unless TEMPORAL_ADDRESS is set), the worker and the receiver. Ports are
 * checked before anything starts; if any part then fails to start (or a stop is asked for), the parts that
 * did start are stopped again, so a failed start leaves no process behind.
 */
export async function runAll(
  env: Env,
  pipelines: PipelineSpec[],
  logger: Logger,
  options: StartOptions = {},
): Promise<Service> {
  const { signal } = options;
  await refuseTakenReceiverPort(env);
  installRuntimeLogger(logger, { port: env.METRICS_PORT }); // before the dev server: both use the SDK's runtime
  const tracing = startTracing(env, 'hub-retrain');
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, true);
  const started: Part[] = [];
  try {
    let dev: DevServer | undefined;
    let uiUrl = env.TEMPORAL_UI_URL;
    if (!env.TEMPORAL_ADDRESS) {
      logger.debug('starting the embedded Temporal dev server');
      const server = await startDevServer({
        stateDir: env.RETRAIN_STATE_DIR,
        port: env.TEMPORAL_DEV_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        namespace: env.TEMPORAL_NAMESPACE,
        cliPath: env.TEMPORAL_CLI_PATH,
        // The server's warnings (poll failures while it stops, a generated cluster id...) are not the user's concern.
        onLog: (level, message, fields) =>
          logger[level === 'error' ? 'error' : 'debug']({ component: 'temporal-server', ...fields }, message),
        signal,
      });
      dev = server;
      started.push({ done: new Promise<void>(() => {}), stop: () => server.stop() });
      uiUrl = server.uiUrl;
    }
    throwIfAborted(signal);
    const connection = temporalConnectionOptions(env, { address: dev?.address, embedded: dev !== undefined });
    const address = connection.address;
    // The local deploy target asks the receiver started next (same process) what it serves.
    const receiverUrl = env.PORT !== 0 ? `http://127.0.0.1:${env.PORT}` : undefined;
    const worker = await startWorkerParts(env, connection, logger, uiUrl, tracing, receiverUrl);
    started.push(worker);
    throwIfAborted(signal);
    const receiver = await startReceiverParts(connection, {
      env,
      pipelines,
      secret,
      logger,
      uiUrl,
      lazy: false,
      tracing,
    });
    started.push(receiver);
    throwIfAborted(signal);

    printBanner(env, pipelines, { address, uiUrl, secret, receiverPort: receiver.receiver.port, embedded: dev });
    return combine(address, logger, [...started].reverse().concat(tracingPart(tracing)), receiver.receiver);
  } catch (err) {
    for (const part of [...started].reverse()) {
      await part.stop().catch((stopErr: Error) => logger.error({ err: { message: stopErr.message } }, 'stopping'));
    }
    await tracing?.shutdown().catch(() => undefined);
    throw signal?.aborted ? new StartAborted() : err; // stopped on request: not a failure
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StartAborted();
}

/** Before anything starts: the receiver's port (PORT) must be free. */
async function refuseTakenReceiverPort(env: Env): Promise<void> {
  if (env.PORT === 0 || !(await portInUse(env.PORT))) return;
  throw receiverPortTaken(env);
}

function receiverPortTaken(env: Env): PortInUseError {
  const running = readReceiverFile(env.RETRAIN_STATE_DIR);
  const who =
    running && running.url.endsWith(`:${env.PORT}`)
      ? `hub-retrain, already running from this folder (pid ${running.pid})`
      : 'another program';
  return new PortInUseError(
    env.PORT,
    'PORT',
    `port ${env.PORT} is taken by ${who}, so the receiver cannot listen there. Set PORT to a free port ` +
      '(the CLI finds a receiver started from the same folder with any PORT).',
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
  await refuseTakenReceiverPort(env);
  const tracing = startTracing(env, 'hub-retrain-receiver');
  const connection = temporalConnectionOptions(env);
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false);
  const receiver = await startReceiverParts(connection, {
    env,
    pipelines,
    secret,
    logger,
    uiUrl: env.TEMPORAL_UI_URL,
    lazy: true,
    tracing,
  });
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
  receiverUrl?: string,
): Promise<Part & { bundle?: string }> {
  installRuntimeLogger(logger, { port: env.METRICS_PORT });
  // Before connecting: a missing traced bundle stops the worker with nothing started.
  const bundle = bundlePathFromEnv(env, tracing !== undefined);
  const connection = await connectWorker(options);
  const worker: Worker = await createRetrainWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: activityDepsFromEnv(env, { temporalUiUrl: uiUrl, temporalAddress: options.address, receiverUrl }),
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

/** What the receiver part starts with. */
interface ReceiverPartOptions {
  env: Env;
  pipelines: PipelineSpec[];
  secret: ResolvedSecret;
  logger: Logger;
  uiUrl: string | undefined;
  /** `npm run server`: connect lazily (start even while Temporal is down) and register no search attributes. */
  lazy: boolean;
  tracing?: Tracing;
}

async function startReceiverParts(
  options: TemporalConnectionOptions,
  part: ReceiverPartOptions,
): Promise<Part & { receiver: Receiver }> {
  const connection = await connectClient(options, part.lazy);
  try {
    return await serveReceiver(connection, part);
  } catch (err) {
    await connection.close();
    throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? receiverPortTaken(part.env) : err;
  }
}

async function serveReceiver(
  connection: Connection,
  { env, pipelines, secret, logger, uiUrl, lazy, tracing }: ReceiverPartOptions,
): Promise<Part & { receiver: Receiver }> {
  if (!lazy) {
    const added = await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    if (added.length > 0) logger.debug({ added }, 'registered search attributes');
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
  const spend = new SpendReader(client, env.TEMPORAL_TASK_QUEUE);
  registerSpendCounter(metrics.registry, () => spend.view());
  const receiver = await startReceiver({
    client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    pipelines,
    webhookSecret: secret.secret,
    port: env.PORT,
    logger,
    temporalTimeoutMs: env.SIGNAL_TIMEOUT_MS,
    temporalUiUrl: uiUrl,
    adminToken: env.ADMIN_TOKEN,
    metrics,
    tracer: tracing?.tracer,
    drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS,
    graceMs: env.SHUTDOWN_GRACE_MS,
    modelsDir: resolve(env.RETRAIN_MODELS_DIR),
    logTails: backendLogTails({
      hub: new HubClient({ endpoint: env.HF_ENDPOINT, token: env.hfToken }),
      hfToken: env.hfToken,
      autotrainApiUrl: env.AUTOTRAIN_API_URL,
      stateDir: resolve(env.RETRAIN_STATE_DIR),
      modelsDir: resolve(env.RETRAIN_MODELS_DIR),
    }),
  });
  const watchers = await watchLocalDatasets(pipelines, receiver.recorder, env.RETRAIN_STATE_DIR, logger).catch(
    async (err: unknown) => {
      await receiver.close();
      throw err;
    },
  );
  const forget = writeReceiverFile(env.RETRAIN_STATE_DIR, receiver.port);
  let closed: () => void = () => {};
  const done = new Promise<void>((resolve) => (closed = resolve));
  return {
    receiver,
    done,
    stop: async () => {
      forget();
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
  // Where the secret is, never the secret itself: a terminal is read over shoulders and kept in scrollback.
  const secretFile = info.secret.file ? relativeToCwd(info.secret.file) : undefined;
  const secretLine = secretFile
    ? `kept in ${secretFile}${info.secret.source === 'generated' ? ' (generated now)' : ''}; read it with: cat ${secretFile}`
    : 'from WEBHOOK_SECRET (not shown)';
  const secretHeader = secretFile ? `$(cat ${secretFile})` : '$WEBHOOK_SECRET';
  const first = pipelines[0];
  const ports = [
    `receiver ${info.receiverPort} (PORT)`,
    ...(info.embedded
      ? [`Temporal ${env.TEMPORAL_DEV_PORT} (TEMPORAL_DEV_PORT)`, `Web UI ${env.TEMPORAL_UI_PORT} (TEMPORAL_UI_PORT)`]
      : []),
  ];
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
    `  Ports           ${ports.join(', ')}: set the variable to move one`,
    '',
    `Watch a run from start to end: npm run demo   (or: npx hub-retrain send-test-webhook ${first?.name ?? '<pipeline>'})`,
    'Point a Hub webhook (https://huggingface.co/settings/webhooks) at <public url>/webhook with that secret,',
    `watching the dataset, domain "repo" (or: npx hub-retrain hub-webhook create ${first?.name ?? '<pipeline>'} --url <public url>).`,
    'Or by hand:',
    `  curl -i ${receiverUrl}/webhook -H 'Content-Type: application/json' -H "X-Webhook-Secret: ${secretHeader}" \\`,
    `    -d '{"event":{"action":"update","scope":"repo.content"},"repo":{"type":"dataset","name":"${first?.input_dataset ?? 'owner/name'}"},"webhook":{"id":"manual","version":3}}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** `.data/webhook-secret` rather than an absolute path, when it is under the current folder. */
function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path);
}
