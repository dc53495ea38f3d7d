import { createServer, type RequestListener, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../config/config-schema';
import type { Logger } from '../logging';
import { createApp, DEFAULT_BODY_LIMIT, type AppDeps } from './app';
import { UpdateRecorder } from './record-update';
import { logRequest, pathOf } from './request-log';
import { isWebhookRequest, webhookHandler } from './webhook-route';

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
}

export interface Receiver {
  server: Server;
  port: number;
  /** Records updates into Temporal (also used by the folder watchers). */
  recorder: UpdateRecorder;
  close(): Promise<void>;
}

/**
 * The receiver's request listener: POST /webhook goes straight to its handler, everything else through the
 * Express app (which mounts the same handler, so both answer alike). bench/RESULTS.md has the numbers.
 */
export function receiverListener(deps: AppDeps): RequestListener {
  const app = createApp(deps);
  const webhook = webhookHandler({
    pipelines: deps.pipelines,
    webhookSecret: deps.webhookSecret,
    recorder: deps.recorder,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
  });
  return (req, res) => {
    if (!isWebhookRequest(req)) {
      void app(req, res);
      return;
    }
    logRequest(deps.logger, req, res, () => pathOf(req.url));
    webhook(req, res);
  };
}

/** Starts the HTTP receiver; resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const recorder = new UpdateRecorder(options.client, options.taskQueue, options.signalTimeoutMs);
  const listener = receiverListener({
    pipelines: options.pipelines,
    webhookSecret: options.webhookSecret,
    recorder,
    client: options.client,
    logger: options.logger,
    temporalUiUrl: options.temporalUiUrl,
    adminToken: options.adminToken,
    temporalTimeoutMs: options.signalTimeoutMs,
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
