import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { PipelineSpec } from '../config/config-schema';
import { formatPath } from '../config/format-issues';
import { inRequestContext } from '../observability/http-span';
import { deliveryOutcome, type ReceiverMetrics } from '../observability/metrics';
import type { Delivery } from '../workflows/definitions';
import type { UpdateRecorder } from './record-update';
import { routeEvent } from './route-event';
import { checkSecret } from './verify-secret';
import { webhookPayloadSchema } from './webhook-payload';

export interface WebhookRouteDeps {
  pipelines: readonly PipelineSpec[];
  webhookSecret: string;
  recorder: UpdateRecorder;
  logger: Logger;
  /** Body size limit, e.g. "1mb". */
  bodyLimit: string;
  /** Seconds a client should wait before retrying a 503. */
  retryAfterSeconds?: number;
  metrics?: ReceiverMetrics;
  /** True once the receiver is shutting down: new deliveries get 503. */
  isDraining?: () => boolean;
}

/**
 * POST /webhook: secret (401/403) -> content type (415) -> body (413/400) -> payload (400) -> route
 * (200 not for us) -> record in Temporal (202 once recorded, 503 + Retry-After if it could not be).
 */
export function webhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: deps.bodyLimit, type: () => true, strict: true });

  router.post(
    '/webhook',
    (_req, res, next) => {
      if (deps.metrics) measure(deps.metrics, res);
      if (deps.isDraining?.()) {
        res.locals.refusedWhileDraining = true;
        res.setHeader('Retry-After', String(deps.retryAfterSeconds ?? 10));
        return reply(res, 503, { error: 'shutting down; retry later' });
      }
      next();
    },
    (req, res, next) => {
      const verdict = checkSecret(req.headers['x-webhook-secret'], req.query.secret, deps.webhookSecret);
      if (verdict === 'missing') return reply(res, 401, { error: 'missing X-Webhook-Secret header' });
      if (verdict === 'wrong') return reply(res, 403, { error: 'wrong webhook secret' });
      if (!req.is(['application/json', 'application/*+json'])) {
        return reply(res, 415, { error: 'expected Content-Type: application/json' });
      }
      next();
    },
    parseJson,
    (req, res, next) => {
      handleDelivery(deps, req, res).catch(next);
    },
  );
  router.use('/webhook', bodyErrors);
  return router;
}

async function handleDelivery(deps: WebhookRouteDeps, req: Request, res: Response): Promise<void> {
  const parsed = webhookPayloadSchema.safeParse(req.body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    reply(res, 400, { error: 'invalid webhook payload', issues: issues.slice(0, 20) });
    return;
  }
  const payload = parsed.data;
  const decision = routeEvent(payload, deps.pipelines);
  if (decision.kind === 'ignored') {
    deps.logger.debug({ reason: decision.reason, repo: payload.repo.name }, 'webhook ignored');
    reply(res, 200, { processed: false, reason: decision.reason });
    return;
  }
  const delivery: Delivery = {
    source: 'webhook',
    receivedAt: new Date().toISOString(),
    webhookId: payload.webhook.id,
    event: { action: payload.event.action, scope: payload.event.scope },
    oldSha: decision.oldSha,
    newSha: decision.revision ?? null,
  };
  const names = decision.pipelines.map((p) => p.name);
  res.locals.pipelines = names;
  try {
    const workflowIds = await inRequestContext(res, () =>
      Promise.all(decision.pipelines.map((p) => deps.recorder.record(p, decision.revision, delivery))),
    );
    deps.logger.info({ pipelines: names, revision: decision.revision, dataset: payload.repo.name }, 'webhook recorded');
    reply(res, 202, { processed: true, pipelines: names, workflowIds, revision: decision.revision ?? null });
  } catch (err) {
    deps.logger.error(
      { pipelines: names, err: { message: (err as Error).message } },
      'could not record webhook in Temporal',
    );
    res.setHeader('Retry-After', String(deps.retryAfterSeconds ?? 10));
    reply(res, 503, { error: 'Temporal could not record the event; retry later' });
  }
}

/** Counts the delivery by how it was answered, with the pipelines it was for (set once routed). */
function measure(metrics: ReceiverMetrics, res: Response): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const pipelines = (res.locals.pipelines as string[] | undefined) ?? [];
    metrics.delivery(deliveryOutcome(res.statusCode, res.locals.refusedWhileDraining === true), pipelines, seconds);
  });
}

/** body-parser's errors, mapped to the documented codes. */
function bodyErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return reply(res, 413, { error: 'payload too large' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return reply(res, 415, { error: 'unsupported body encoding or charset' });
  }
  if (type !== undefined || err instanceof SyntaxError) return reply(res, 400, { error: 'malformed JSON body' });
  next(err);
}

function reply(res: Response, status: number, body: object): void {
  res.status(status).json(body);
}
