import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { PipelineSpec } from '../config/config-schema';
import type { Logger } from '../logging';
import { createApp } from './app';
import { UpdateRecorder } from './record-update';

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
  /** Guards the write API (ADMIN_TOKEN); unset = the write API is disabled. */
  adminToken?: string;
}

export interface Receiver {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Starts the HTTP receiver; resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const recorder = new UpdateRecorder(options.client, options.taskQueue, options.signalTimeoutMs);
  const app = createApp({
    pipelines: options.pipelines,
    webhookSecret: options.webhookSecret,
    recorder,
    client: options.client,
    logger: options.logger,
    temporalUiUrl: options.temporalUiUrl,
    adminToken: options.adminToken,
    temporalTimeoutMs: options.signalTimeoutMs,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? '0.0.0.0', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // A slow or stalled body must not hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
