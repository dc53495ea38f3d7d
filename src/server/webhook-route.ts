import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { PipelineSpec } from '../config/config-schema';
import { formatPath } from '../config/format-issues';
import { inRequestContext } from '../observability/http-span';
import { deliveryOutcome, type ReceiverMetrics } from '../observability/metrics';
import type { Delivery } from '../workflows/definitions';
import { InFlight } from './in-flight';
import { internalError, reply } from './json-reply';
import type { Handler, Middleware } from './middleware';
import type { UpdateRecorder } from './record-update';
import { pathOf } from './request-log';
import { routeEvent } from './route-event';
import type { TrainingNotices } from './training-notice';
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
  /** Tells waiting runs of AutoTrain's outcome discussions (training-notice.ts); without it they are ignored. */
  notices?: TrainingNotices;
}

/** What the delivery metrics need to know about an answer besides its status. */
interface Answer {
  /** The pipelines the delivery was for (set once routed). */
  pipelines: string[];
  refusedWhileDraining: boolean;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * POST /webhook: draining (503) -> secret (401/403) -> content type (415) -> body (413/400) -> payload (400)
 * -> route (200 not for us) -> record in Temporal (202 once recorded, 503 + Retry-After if it could not be).
 *
 * A plain Node handler: the receiver's server calls it before Express for POST /webhook, behind the same
 * common middleware as the app's (serve.ts; bench/RESULTS.md: Express's routing and response helpers cost more
 * than everything else an ignored event needs), and the Express app mounts the same handler (webhookRouter),
 * so both answer alike.
 */
export function webhookHandler(deps: WebhookRouteDeps): Handler {
  // body-parser's JSON reader, as express.json() is: limits, charsets, content encodings, strict JSON.
  const parseJson = express.json({ limit: deps.bodyLimit, type: () => true, strict: true }) as unknown as Middleware;
  const isJson = (req: IncomingMessage): boolean =>
    // Express's own content-type test (type-is): no body, or another type, is not JSON.
    Boolean(express.request.is.call(req as express.Request, JSON_TYPES));

  const inFlight = new InFlight<string>();

  return (req, res) => {
    const answer: Answer = { pipelines: [], refusedWhileDraining: false };
    if (deps.metrics) measure(deps.metrics, res, answer);
    if (deps.isDraining?.()) {
      answer.refusedWhileDraining = true;
      return retryLater(deps, res, 'shutting down; retry later');
    }
    const verdict = checkSecret(req.headers['x-webhook-secret'], querySecret(req.url), deps.webhookSecret);
    if (verdict === 'missing') return reply(res, 401, { error: 'missing X-Webhook-Secret header' });
    if (verdict === 'wrong') return reply(res, 403, { error: 'wrong webhook secret' });
    if (!isJson(req)) return reply(res, 415, { error: 'expected Content-Type: application/json' });
    parseJson(req, res, (err) => {
      if (err !== undefined) return bodyError(deps, err, res);
      const body = (req as IncomingMessage & { body?: unknown }).body;
      handleDelivery(deps, inFlight, body, res, answer).catch((e: unknown) => internalError(deps.logger, e, res));
    });
  };
}

/** Whether a request is for the webhook route (as Express would match `/webhook`: any case, optional `/`). */
export function isWebhookRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const path = pathOf(req.url).toLowerCase();
  return path === '/webhook' || path === '/webhook/';
}

/** The same handler mounted on an Express app. */
export function webhookRouter(handler: Handler): Router {
  const router = express.Router();
  router.post('/webhook', (req, res) => handler(req, res));
  return router;
}

/** `?secret=` (the Hub's docs show it too); a repeated parameter is an array and never matches. */
function querySecret(url: string | undefined): unknown {
  const start = url?.indexOf('?') ?? -1;
  if (start === -1) return undefined;
  return parseQuery(url!.slice(start + 1)).secret;
}

async function handleDelivery(
  deps: WebhookRouteDeps,
  inFlight: InFlight<string>,
  body: unknown,
  res: ServerResponse,
  answer: Answer,
): Promise<void> {
  const parsed = webhookPayloadSchema.safeParse(body);
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
  if (decision.kind === 'training-ended') {
    answer.pipelines = decision.runs.map((r) => r.pipeline.name);
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
  answer.pipelines = names;
  try {
    const revision = decision.revision;
    // Duplicates of a delivery that is being recorded share its record (in-flight.ts).
    const record = (p: PipelineSpec) =>
      revision === undefined
        ? deps.recorder.record(p, revision, delivery)
        : inFlight.run(`${p.name}\n${revision}`, () => deps.recorder.record(p, revision, delivery));
    const workflowIds = await inRequestContext(res, () => Promise.all(decision.pipelines.map(record)));
    deps.logger.info(
      { event: 'update', pipelines: names, revision: decision.revision, dataset: payload.repo.name },
      'webhook recorded',
    );
    reply(res, 202, { processed: true, pipelines: names, workflowIds, revision: decision.revision ?? null });
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
  res: ServerResponse,
): Promise<void> {
  if (!deps.notices) return reply(res, 200, { processed: false, reason: 'training notices are not taken here' });
  try {
    const { workflowIds } = await inRequestContext(res, () => deps.notices!.tell(runs));
    if (workflowIds.length === 0) {
      return reply(res, 200, { processed: false, reason: `no run waits for the training Space "${spaceId}"` });
    }
    deps.logger.info({ event: 'training-ended', space: spaceId, workflowIds }, 'training notice recorded');
    reply(res, 202, { processed: true, notice: 'training-ended', space: spaceId, workflowIds });
  } catch (err) {
    deps.logger.error({ space: spaceId, err: { message: (err as Error).message } }, 'could not record the notice');
    retryLater(deps, res, 'Temporal could not record the notice; retry later');
  }
}

/** 503 with Retry-After: the Hub delivers again later. */
function retryLater(deps: WebhookRouteDeps, res: ServerResponse, error: string): void {
  res.setHeader('Retry-After', String(deps.retryAfterSeconds ?? 10));
  reply(res, 503, { error });
}

/** Counts the delivery by how it was answered, with the pipelines it was for. */
function measure(metrics: ReceiverMetrics, res: ServerResponse, answer: Answer): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.delivery(deliveryOutcome(res.statusCode, answer.refusedWhileDraining), answer.pipelines, seconds);
  });
}

/** body-parser's errors, mapped to the documented codes. */
function bodyError(deps: WebhookRouteDeps, err: unknown, res: ServerResponse): void {
  if (res.headersSent) return;
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return reply(res, 413, { error: 'payload too large' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return reply(res, 415, { error: 'unsupported body encoding or charset' });
  }
  if (type !== undefined || err instanceof SyntaxError) return reply(res, 400, { error: 'malformed JSON body' });
  internalError(deps.logger, err, res);
}
