import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { httpServerSpans } from '../observability/http-span';
import type { ReceiverMetrics } from '../observability/metrics';
import type { Drain } from './common/drain';
import { metricsRoute } from './metrics-route';
import { pageWithNonce, securityHeaders } from './common/security-headers';
import { writeRateLimit } from './api/write-rate-limit';
import type { PipelineSpec } from '../config/config-schema';
import { isMalformedPath, MALFORMED_PATH, sendError } from './api/api-errors';
import { apiRouter } from './api/api-router';
import { internalError } from './common/internal-error';
import type { LogTailReader } from './api/log-tails';
import type { UpdateRecorder } from './webhook/record-update';
import { requestLog } from './request-log';
import { RunActions } from './api/run-actions';
import { RunEndings } from './api/run-endings';
import { statusPageHandler } from './page/status-page';
import { StatusReader } from './api/status-reader';
import { SpendReader } from './api/spend-reader';
import { TrainingNotices } from './webhook/training-notice';
import { addWebhookRoute } from './webhook/webhook-route';
import { addJobNoticeRoute } from './webhook/job-notice-route';
import { servingRouter } from './api/serving-router';
import type { ModelServer } from '../serving/model-server';

/**
 * What the receiver is configured with. main.ts fills it from the validated environment once; startReceiver
 * passes it on as it is, and each part takes the Pick of it it needs.
 */
export interface ReceiverConfig {
  pipelines: readonly PipelineSpec[];
  webhookSecret: string;
  /** Temporal: where updates are recorded, and what the status API and page read. */
  client: Client;
  logger: Logger;
  /** Guards the write API; unset = the write API answers 403 "disabled". */
  adminToken?: string;
  /** The webhook body limit (default 1 MiB). */
  bodyLimit?: string;
  /** Where the Temporal Web UI is, for links on the status page and in the API. */
  temporalUiUrl?: string;
  /** Deadline of every Temporal call the receiver makes (SIGNAL_TIMEOUT_MS): a delivery's record, the status API's. */
  temporalTimeoutMs?: number;
  /** Deadline of a query (needs a worker; on timeout the API falls back to visibility, `live: false`). */
  queryTimeoutMs?: number;
  /** Seconds a sender should wait before retrying a 503 delivery. */
  retryAfterSeconds?: number;
  /** GET /metrics and delivery counts. */
  metrics?: ReceiverMetrics;
  /** An HTTP span per request (tracing on). */
  tracer?: Tracer;
  /** Write API requests allowed per client address and minute (default 30). */
  writeRequestsPerMinute?: number;
  /** Reads a training run's log tail when its view is asked for (log-tails.ts). */
  logTails?: LogTailReader;
  /** The model registry (RETRAIN_MODELS_DIR): which model serves, for the API and the page. */
  modelsDir?: string;
  /**
   * The task queue workflows start on (a roll-back by hand), and the spend ledger's (`budget:<taskQueue>`), which the
   * page reads each pipeline's month from.
   */
  taskQueue?: string;
}

export interface AppDeps extends ReceiverConfig {
  recorder: UpdateRecorder;
  /** Graceful shutdown: in-flight tracking, 503 while draining. */
  drain?: Drain;
  /** The local predict endpoint's models (serve.ts makes it when modelsDir is set). */
  models?: ModelServer;
}

/** The default of `temporalTimeoutMs`. */
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5000;
const DEFAULT_QUERY_TIMEOUT_MS = 2000;

/**
 * The receiver: webhook intake, health and readiness, the status API and the status page. Every request goes
 * through the request log, the security headers, drain tracking and (tracing on) an HTTP span first.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Answers are small and change between requests (the page says no-store): no ETag to hash for each.
  app.set('etag', false);
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());
  if (deps.drain) app.use(deps.drain.track());
  if (deps.tracer) app.use(httpServerSpans(deps.tracer));

  const timeoutMs = deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const endings = new RunEndings({ client: deps.client, timeoutMs });
  const reader = new StatusReader({
    client: deps.client,
    pipelines: deps.pipelines,
    ui: { temporalUiUrl: deps.temporalUiUrl, namespace: deps.client.options.namespace },
    timeoutMs,
    queryTimeoutMs: Math.min(timeoutMs, deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
    endings,
    logTails: deps.logTails,
    spend: deps.taskQueue ? new SpendReader(deps.client, deps.taskQueue, timeoutMs) : undefined,
  });
  const actions = new RunActions({ client: deps.client, recorder: deps.recorder, reader, timeoutMs });

  const notices = new TrainingNotices(deps.client, timeoutMs);
  addWebhookRoute(app, { ...deps, notices });
  addJobNoticeRoute(app, { ...deps, notices });
  app.use(
    apiRouter({
      reader,
      actions,
      endings,
      adminToken: deps.adminToken,
      logger: deps.logger,
      writeLimit: writeRateLimit(deps.writeRequestsPerMinute),
    }),
  );
  app.use(
    servingRouter({
      ...deps,
      timeoutMs,
      writeLimit: writeRateLimit(deps.writeRequestsPerMinute),
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    if (deps.drain?.draining) return void res.status(503).json({ status: 'draining' });
    deps.recorder
      .reachable()
      .then((ok) => {
        res
          .status(ok ? 200 : 503)
          .json(ok ? { status: 'ready' } : { status: 'not ready', error: 'Temporal is not reachable' });
      })
      .catch(next);
  });
  if (deps.metrics) app.get('/metrics', metricsRoute(deps.metrics));
  app.get(
    '/',
    pageWithNonce(),
    statusPageHandler({
      reader,
      endings,
      logger: deps.logger,
      temporalUiUrl: deps.temporalUiUrl,
      writeApi: deps.adminToken !== undefined && deps.adminToken !== '',
      modelsDir: deps.modelsDir,
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (isMalformedPath(err) && !res.headersSent) return sendError(res, 400, { error: MALFORMED_PATH });
    internalError(deps.logger, err, res);
  });
  return app;
}
