import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { httpServerSpans } from '../observability/http-span';
import type { ReceiverMetrics } from '../observability/metrics';
import type { Drain } from './drain';
import { metricsRoute } from './metrics-route';
import { securityHeaders } from './security-headers';
import { writeRateLimit } from './write-rate-limit';
import type { PipelineSpec } from '../config/config-schema';
import { isMalformedPath, MALFORMED_PATH, sendError } from './api-errors';
import { apiRouter } from './api-router';
import { internalError } from './json-reply';
import type { Handler, Middleware } from './middleware';
import type { UpdateRecorder } from './record-update';
import { requestLog } from './request-log';
import { RunActions } from './run-actions';
import { RunEndings } from './run-endings';
import { statusPageHandler } from './status-page';
import { StatusReader } from './status-reader';
import { webhookHandler, webhookRouter } from './webhook-route';

export interface AppDeps {
  pipelines: readonly PipelineSpec[];
  webhookSecret: string;
  recorder: UpdateRecorder;
  /** Temporal, for the status API and page (reads, cancel and signals). */
  client: Client;
  logger: Logger;
  /** Guards the write API; unset = the write API answers 403 "disabled". */
  adminToken?: string;
  bodyLimit?: string;
  /** Where the Temporal Web UI is, for links on the status page and in the API. */
  temporalUiUrl?: string;
  /** Deadline of the status API's Temporal calls (describe, list, cancel, signal). */
  temporalTimeoutMs?: number;
  /** Deadline of a query (needs a worker; on timeout the API falls back to visibility, `live: false`). */
  queryTimeoutMs?: number;
  /** GET /metrics and delivery counts. */
  metrics?: ReceiverMetrics;
  /** An HTTP span per request (tracing on). */
  tracer?: Tracer;
  /** Graceful shutdown: in-flight tracking, 503 while draining. */
  drain?: Drain;
  /** Write API requests allowed per client address and minute (default 30). */
  writeRequestsPerMinute?: number;
}

/** The webhook body limit (the design's 1 MiB). */
export const DEFAULT_BODY_LIMIT = '1mb';
const DEFAULT_TEMPORAL_TIMEOUT_MS = 5000;
const DEFAULT_QUERY_TIMEOUT_MS = 2000;

/**
 * What every request goes through before its route: the request log, security headers, drain tracking and the
 * HTTP span. The Express app uses it, and so does the webhook fast path (serve.ts), which bypasses Express.
 */
export function commonMiddleware(deps: AppDeps): Middleware[] {
  return [
    requestLog(deps.logger),
    securityHeaders(),
    ...(deps.drain ? [deps.drain.track()] : []),
    ...(deps.tracer ? [httpServerSpans(deps.tracer)] : []),
  ];
}

/** The POST /webhook handler (webhook-route.ts) these deps describe. */
export function appWebhookHandler(deps: AppDeps): Handler {
  return webhookHandler({
    pipelines: deps.pipelines,
    webhookSecret: deps.webhookSecret,
    recorder: deps.recorder,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    metrics: deps.metrics,
    isDraining: () => deps.drain?.draining ?? false,
  });
}

/**
 * The receiver: webhook intake, health and readiness, the status API and the status page. `webhook`: the
 * POST /webhook handler, when the caller shares it with a fast path (serve.ts).
 */
export function createApp(deps: AppDeps, webhook: Handler = appWebhookHandler(deps)): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  for (const middleware of commonMiddleware(deps)) app.use(middleware);

  const timeoutMs = deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const endings = new RunEndings({ client: deps.client, timeoutMs });
  const reader = new StatusReader({
    client: deps.client,
    pipelines: deps.pipelines,
    ui: { temporalUiUrl: deps.temporalUiUrl, namespace: deps.client.options.namespace },
    timeoutMs,
    queryTimeoutMs: Math.min(timeoutMs, deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
    endings,
  });
  const actions = new RunActions({ client: deps.client, recorder: deps.recorder, reader, timeoutMs });

  app.use(webhookRouter(webhook));
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
    statusPageHandler({
      reader,
      endings,
      logger: deps.logger,
      temporalUiUrl: deps.temporalUiUrl,
      writeApi: deps.adminToken !== undefined && deps.adminToken !== '',
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
