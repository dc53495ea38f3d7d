import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { PipelineSpec } from '../../config/config-schema';
import { formatPath } from '../../config/format-issues';
import { inRequestContext } from '../../observability/http-span';
import { deliveryOutcome, type ReceiverMetrics } from '../../observability/metrics';
import type { Delivery } from '../../workflows/definitions';
import type { Drain } from '../common/drain';
import type { UpdateRecorder } from './record-update';
import { InFlight } from '../common/in-flight';
import { internalError } from '../common/internal-error';
import { routeEvent } from './route-event';
import type { TrainingNotices } from './training-notice';
import { checkSecret } from '../common/verify-secret';
import { webhookPayloadSchema } from './webhook-payload';

/** What the webhook route needs, declared here where it is consumed (the app's deps fill it). */
export interface WebhookRouteDeps {
  pipelines: readonly PipelineSpec[];
  webhookSecret: string;
  recorder: UpdateRecorder;
  logger: Logger;
  /** The webhook body limit (default 1 MiB). */
  bodyLimit?: string;
  /** Delivery counts. */
  metrics?: ReceiverMetrics;
  /** Graceful shutdown: 503 while draining. */
  drain?: Drain;
  /** Seconds a sender should wait before retrying a 503 delivery. */
  retryAfterSeconds?: number;
  /** Tells waiting runs of AutoTrain's outcome discussions (training-notice.ts); without it they are ignored. */
  notices?: TrainingNotices;
}

/** The webhook body limit (the design's 1 MiB). */
export const DEFAULT_BODY_LIMIT = '1mb';
const DEFAULT_RETRY_AFTER_SECONDS = 10;
const JSON_TYPES = ['application/json', 'application/*+json'];

/** What the delivery metrics need to know about an answer besides its status (in `res.locals`). */
interface DeliveryLocals {
  /** The pipelines the delivery was for (set once routed). */
  pipelines: string[];
  refusedWhileDraining: boolean;
}

/**
 * POST /webhook, in the design's order: draining (503) -> secret (401/403) -> content type (415) -> body
 * (413/400) -> payload (400) -> route (200 not for us) -> record in Temporal (202 once recorded, 503 +
 * Retry-After if it could not be). The secret is checked before the body is read, so a sender without it
 * cannot make the receiver parse a megabyte.
 */
export function addWebhookRoute(app: Express, deps: WebhookRouteDeps): void {
  // Duplicates of a delivery that is being recorded share its record (in-flight.ts).
  const inFlight = new InFlight<string>();
  app.post(
    '/webhook',
    (req: Request, res: Response<unknown, DeliveryLocals>, next: NextFunction) => {
      res.locals.pipelines = [];
      res.locals.refusedWhileDraining = deps.drain?.draining ?? false;
      if (deps.metrics) measure(deps.metrics, res);
      if (res.locals.refusedWhileDraining) return retryLater(deps, res, 'shutting down; retry later');
      // The header, else the `?secret=` query form (read only then).
      const header = req.headers['x-webhook-secret'];
      const verdict = checkSecret(header, header === undefined ? req.query.secret : undefined, deps.webhookSecret);
      if (verdict === 'missing') return void res.status(401).json({ error: 'missing X-Webhook-Secret header' });
      if (verdict === 'wrong') return void res.status(403).json({ error: 'wrong webhook secret' });
      // No body, or another type, is not JSON.
      if (!req.is(JSON_TYPES)) return void res.status(415).json({ error: 'expected Content-Type: application/json' });
      next();
    },
    express.json({ limit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT, type: JSON_TYPES, strict: true }),
    (req: Request, res: Response<unknown, DeliveryLocals>, next: NextFunction) => {
      handleDelivery(deps, inFlight, req.body, res).catch(next);
    },
    (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      bodyError(deps, err, res);
    },
  );
}

async function handleDelivery(
  deps: WebhookRouteDeps,
  inFlight: InFlight<string>,
  body: unknown,
  res: Response<unknown, DeliveryLocals>,
): Promise<void> {
  const parsed = webhookPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
    res.status(400).json({ error: 'invalid webhook payload', issues: issues.slice(0, 20) });
    return;
  }
  const payload = parsed.data;
  const decision = routeEvent(payload, deps.pipelines);
  if (decision.kind === 'ignored') {
    deps.logger.debug({ reason: decision.reason, repo: payload.repo.name }, 'webhook ignored');
    res.status(200).json({ processed: false, reason: decision.reason });
    return;
  }
  if (decision.kind === 'training-ended') {
    res.locals.pipelines = decision.runs.map((r) => r.pipeline.name);
    return tellTrainingEnded(deps, decision.spaceId, decision.runs, res);
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
    const revision = decision.revision;
    const record = (p: PipelineSpec) =>
      revision === undefined
        ? deps.recorder.record(p, revision, delivery)
        : inFlight.run(`${p.name}\n${revision}`, () => deps.recorder.record(p, revision, delivery));
    const workflowIds = await inRequestContext(res, () => Promise.all(decision.pipelines.map(record)));
    deps.logger.info(
      { event: 'update', pipelines: names, revision: decision.revision, dataset: payload.repo.name },
      'webhook recorded',
    );
    res.status(202).json({ processed: true, pipelines: names, workflowIds, revision: decision.revision ?? null });
  } catch (err) {
    deps.logger.error(
      { pipelines: names, err: { message: (err as Error).message } },
      'could not record webhook in Temporal',
    );
    retryLater(deps, res, 'Temporal could not record the event; retry later');
  }
}

/** AutoTrain's outcome discussion: 202 once the waiting run holds the notice, 200 when none waits, 503 otherwise. */
async function tellTrainingEnded(
  deps: WebhookRouteDeps,
  spaceId: string,
  runs: Parameters<TrainingNotices['tell']>[0],
  res: Response,
): Promise<void> {
  const notices = deps.notices;
  if (!notices) return void res.status(200).json({ processed: false, reason: 'training notices are not taken here' });
  try {
    const { workflowIds } = await inRequestContext(res, () => notices.tell(runs));
    if (workflowIds.length === 0) {
      return void res
        .status(200)
        .json({ processed: false, reason: `no run waits for the training Space "${spaceId}"` });
    }
    deps.logger.info({ event: 'training-ended', space: spaceId, workflowIds }, 'training notice recorded');
    res.status(202).json({ processed: true, notice: 'training-ended', space: spaceId, workflowIds });
  } catch (err) {
    deps.logger.error({ space: spaceId, err: { message: (err as Error).message } }, 'could not record the notice');
    retryLater(deps, res, 'Temporal could not record the notice; retry later');
  }
}

/** 503 with Retry-After: the Hub delivers again later. */
function retryLater(deps: WebhookRouteDeps, res: Response, error: string): void {
  res.set('Retry-After', String(deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
  res.status(503).json({ error });
}

/** Counts the delivery by how it was answered, with the pipelines it was for. */
function measure(metrics: ReceiverMetrics, res: Response<unknown, DeliveryLocals>): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { pipelines, refusedWhileDraining } = res.locals;
    metrics.delivery(deliveryOutcome(res.statusCode, refusedWhileDraining), pipelines, seconds);
  });
}

/** body-parser's errors, mapped to the documented codes; anything else is a logged 500. */
function bodyError(deps: WebhookRouteDeps, err: unknown, res: Response): void {
  const type = (err as { type?: string }).type;
  if (res.headersSent) return;
  if (type === 'entity.too.large') return void res.status(413).json({ error: 'payload too large' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return void res.status(415).json({ error: 'unsupported body encoding or charset' });
  }
  if (type !== undefined || err instanceof SyntaxError)
    return void res.status(400).json({ error: 'malformed JSON body' });
  internalError(deps.logger, err, res);
}
