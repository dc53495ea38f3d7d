import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { decisionSchema, runsQuerySchema, seriesQuerySchema } from './api-schemas';
import { sendApiError, sendError, sendValidationError } from './api-errors';
import { loadSeries } from './model-series';
import { openApiDocument } from './openapi';
import { requireAdmin } from './require-admin';
import type { RunActions } from './run-actions';
import type { RunEndings } from './run-endings';
import type { StatusReader } from './status-reader';

export interface ApiRouterDeps {
  reader: StatusReader;
  actions: RunActions;
  /** How finished runs ended (for the metrics series). */
  endings: RunEndings;
  adminToken?: string;
  logger: Logger;
  /** The write rate limit (write-rate-limit.ts), on every write route once it has matched. */
  writeLimit: RequestHandler;
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** The status API (design.md, /api/openapi.json). Reads are open; writes need the admin token. */
export function apiRouter(deps: ApiRouterDeps): Router {
  const router = express.Router();
  // Limited first, so failed token checks count too.
  const writeGuard = [deps.writeLimit, requireAdmin(deps.adminToken)];
  const parseJson = express.json({ limit: '16kb' });
  const handle =
    (fn: Handler) =>
    (req: Request, res: Response): void => {
      fn(req, res).catch((err: unknown) => sendApiError(res, err, deps.logger));
    };

  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  router.get(
    '/api/pipelines',
    handle(async (_req, res) => {
      res.json({ pipelines: await deps.reader.listPipelines() });
    }),
  );

  router.get(
    '/api/pipelines/:name/metrics',
    handle(async (req, res) => {
      const query = seriesQuerySchema.safeParse(req.query);
      if (!query.success) return sendValidationError(res, 'query parameters', query.error);
      res.json(await loadSeries(deps.reader, deps.endings, param(req, 'name'), query.data));
    }),
  );

  router.get(
    '/api/runs',
    handle(async (req, res) => {
      const query = runsQuerySchema.safeParse(req.query);
      if (!query.success) return sendValidationError(res, 'query parameters', query.error);
      res.json(await deps.reader.listRuns(query.data));
    }),
  );

  router.get(
    '/api/runs/:workflowId',
    handle(async (req, res) => {
      res.json(await deps.reader.run(param(req, 'workflowId')));
    }),
  );

  router.post(
    '/api/pipelines/:name/trigger',
    writeGuard,
    handle(async (req, res) => {
      res.status(202).json(await deps.actions.trigger(param(req, 'name')));
    }),
  );

  router.post(
    '/api/runs/:workflowId/cancel',
    writeGuard,
    handle(async (req, res) => {
      res.status(202).json(await deps.actions.cancel(param(req, 'workflowId')));
    }),
  );

  for (const action of ['approve', 'reject'] as const) {
    router.post(
      `/api/runs/:workflowId/${action}`,
      writeGuard,
      parseJson,
      handle(async (req, res) => {
        const decision = decisionSchema.safeParse(req.body ?? {});
        if (!decision.success) return sendValidationError(res, 'body', decision.error);
        res.status(202).json(await deps.actions.decide(param(req, 'workflowId'), action === 'approve', decision.data));
      }),
    );
  }

  router.use('/api', bodyErrors);
  return router;
}

function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/** body-parser's errors on the API, as JSON. */
function bodyErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return sendError(res, 413, { error: 'body too large' });
  if (type !== undefined) return sendError(res, 400, { error: 'malformed JSON body' });
  next(err);
}
