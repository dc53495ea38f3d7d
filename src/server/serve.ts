import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { createApp, DEFAULT_TEMPORAL_TIMEOUT_MS, type ReceiverConfig } from './app';
import { Drain } from './common/drain';
import { UpdateRecorder } from './webhook/record-update';
import { ModelServer } from '../serving/model-server';

export interface ReceiverOptions extends ReceiverConfig {
  /** The task queue pipeline workflows start on. */
  taskQueue: string;
  port: number;
  host?: string;
  /** How long a client may take to send a whole request (slow bodies are cut off). */
  requestTimeoutMs?: number;
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

/** Starts the HTTP receiver (the Express app of app.ts); resolves once it listens. */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const timeoutMs = options.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const recorder = new UpdateRecorder(options.client, options.taskQueue, timeoutMs, options.metrics);
  const drain = new Drain();
  const models = options.modelsDir
    ? new ModelServer(options.modelsDir, {
        onSwap: (pipeline, from, to) => options.logger.info({ pipeline, from, to }, 'serving a new model'),
        onError: (pipeline, revision, err) =>
          options.logger.warn({ pipeline, revision, err: { message: err.message } }, 'could not load a model to serve'),
      })
    : undefined;
  const app = createApp({ ...options, recorder, drain, models });
  // A slow or stalled request (slowloris) must not hold a connection: the whole request must arrive within
  // requestTimeout, checked every second rather than Node's default 30.
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    { requestTimeout, headersTimeout: Math.min(15_000, requestTimeout), connectionsCheckingInterval: 1000 },
    app,
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
      models?.close();
    },
  };
}
