import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { PipelineSpec } from '../config/config-schema';
import { apiRouter } from './api-router';
import type { UpdateRecorder } from './record-update';
import { logRequest } from './request-log';
import { RunActions } from './run-actions';
import { statusPageHandler } from './status-page';
import { StatusReader } from './status-reader';
import { webhookRouter } from './webhook-route';

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
}

/** The webhook body limit (the design's 1 MiB). */
export const DEFAULT_BODY_LIMIT = '1mb';
const DEFAULT_TEMPORAL_TIMEOUT_MS = 5000;
const DEFAULT_QUERY_TIMEOUT_MS = 2000;

/** The receiver: webhook intake, health and readiness, the status API and the status page. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));

  const timeoutMs = deps.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const reader = new StatusReader({
    client: deps.client,
    pipelines: deps.pipelines,
    ui: { temporalUiUrl: deps.temporalUiUrl, namespace: deps.client.options.namespace },
    timeoutMs,
    queryTimeoutMs: Math.min(timeoutMs, deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS),
  });
  const actions = new RunActions({ client: deps.client, recorder: deps.recorder, reader, timeoutMs });

  app.use(
    webhookRouter({
      pipelines: deps.pipelines,
      webhookSecret: deps.webhookSecret,
      recorder: deps.recorder,
      logger: deps.logger,
      bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    }),
  );
  app.use(apiRouter({ reader, actions, adminToken: deps.adminToken, logger: deps.logger }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    deps.recorder
      .reachable()
      .then((ok) => {
        res
          .status(ok ? 200 : 503)
          .json(ok ? { status: 'ready' } : { status: 'not ready', error: 'Temporal is not reachable' });
      })
      .catch(next);
  });
  app.get('/', statusPageHandler(reader, deps.logger, deps.temporalUiUrl));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err: { message: (err as Error).message } }, 'unhandled error in request');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });
  return app;
}

/** The request log line (request-log.ts) for every request the app serves. */
function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    logRequest(logger, req, res, () => req.path);
    next();
  };
}
