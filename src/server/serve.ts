import { createServer, type RequestListener, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { ReceiverMetrics } from '../observability/metrics';
import type { PipelineSpec } from '../config/config-schema';
import type { Logger } from '../logging';
import { appWebhookHandler, commonMiddleware, createApp, type AppDeps } from './app';
import { Drain } from './drain';
import { internalError } from './json-reply';
import { withMiddleware } from './middleware';
import { UpdateRecorder } from './record-update';
import { isWebhookRequest } from './webhook-route';

export interface ReceiverOptions {
  client: Client;
  taskQueue: string;
  pipelines: readonly PipelineSpec[];
  webhookSecret: string;
  port: number;
  host?: string;
  logger: Logger;
  signalTimeoutMs: number;
  temporalUiUrl?: string;
  /** How long a client may take to send a whole request (slow bodies are cut off). */
  requestTimeoutMs?: number;
  /** Guards the write API (ADMIN_TOKEN); unset = the write API is disabled. */
  adminToken?: string;
  metrics?: ReceiverMetrics;
  tracer?: Tracer;
  /** On close: answer 503 (readyz and new deliveries) this long before the listener closes. */
  drainDelayMs?: number;
  /** On close: how long in-flight requests may take before their connections are cut. */
  graceMs?: number;
  /** Reads a training run's log tail for its view. */
  logTails?: AppDeps['logTails'];
}

export interface Receiver {
  server: Server;
  port: number;
  /** Records updates into Temporal (also used by the folder watchers). */
  recorder: UpdateRecorder;
  /** Drains (see drain.ts), then closes the listener and waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * The receiver's request listener: POST /webhook goes straight to its handler behind the app's common
 * middleware (request log, security headers, drain tracking, HTTP span), everything else through the Express
 * app (which mounts the same handler, so both answer alike). bench/RESULTS.md has the numbers.
 */
export function receiverListener(deps: AppDeps): RequestListener {
  const webhook = appWebhookHandler(deps);
  const app = createApp(deps, webhook);
  const fastPath = withMiddleware(commonMiddleware(deps), webhook, (err, _req, res) =>
    internalError(deps.logger, err, res),
  );
  return (req, res) => {
    if (isWebhookRequest(req)) fastPath(req, res);
    else void app(req, res);
  };
}

/** Starts the HTTP receiver; resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const recorder = new UpdateRecorder(options.client, options.taskQueue, options.signalTimeoutMs, options.metrics);
  const drain = new Drain();
  const listener = receiverListener({
    pipelines: options.pipelines,
    webhookSecret: options.webhookSecret,
    recorder,
    client: options.client,
    logger: options.logger,
    temporalUiUrl: options.temporalUiUrl,
    adminToken: options.adminToken,
    temporalTimeoutMs: options.signalTimeoutMs,
    metrics: options.metrics,
    tracer: options.tracer,
    drain,
    logTails: options.logTails,
  });
  // A slow or stalled request (slowloris) must not hold a connection: the whole request must arrive within
  // requestTimeout, checked every second rather than Node's default 30.
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    { requestTimeout, headersTimeout: Math.min(15_000, requestTimeout), connectionsCheckingInterval: 1000 },
    listener,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    recorder,
    close: async () => {
      drain.start();
      options.logger.info({ inFlight: drain.requestsInFlight }, 'receiver draining: new deliveries get 503');
      if (options.drainDelayMs) await delay(options.drainDelayMs);
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeIdleConnections();
      if (!(await drain.settled(options.graceMs ?? 10_000))) {
        options.logger.warn({ inFlight: drain.requestsInFlight }, 'grace time over: closing open connections');
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
