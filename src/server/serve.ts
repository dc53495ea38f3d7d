import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { ReceiverMetrics } from '../observability/metrics';
import type { PipelineSpec } from '../config/config-schema';
import type { Logger } from '../logging';
import { createApp } from './app';
import { Drain } from './drain';
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
  metrics?: ReceiverMetrics;
  tracer?: Tracer;
  /** On close: answer 503 (readyz and new deliveries) this long before the listener closes. */
  drainDelayMs?: number;
  /** On close: how long in-flight requests may take before their connections are cut. */
  graceMs?: number;
}

export interface Receiver {
  server: Server;
  port: number;
  /** Records updates into Temporal (also used by the folder watchers). */
  recorder: UpdateRecorder;
  /** Drains (see drain.ts), then closes the listener and waits for in-flight requests. */
  close(): Promise<void>;
}

/** Starts the HTTP receiver; resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const recorder = new UpdateRecorder(options.client, options.taskQueue, options.signalTimeoutMs, options.metrics);
  const drain = new Drain();
  const app = createApp({
    pipelines: options.pipelines,
    webhookSecret: options.webhookSecret,
    recorder,
    logger: options.logger,
    temporalUiUrl: options.temporalUiUrl,
    metrics: options.metrics,
    tracer: options.tracer,
    drain,
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
