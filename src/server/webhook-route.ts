import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { PipelineSpec } from '../config/config-schema';
import { formatPath } from '../config/format-issues';
import type { Delivery } from '../workflows/definitions';
import { InFlight } from './in-flight';
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
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type BodyParser = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * POST /webhook: secret (401/403) -> content type (415) -> body (413/400) -> payload (400) -> route
 * (200 not for us) -> record in Temporal (202 once recorded, 503 + Retry-After if it could not be).
 *
 * A plain Node handler: the receiver's server calls it before Express for POST /webhook (bench/RESULTS.md:
 * Express's routing and response helpers cost more than everything else an ignored event needs), and the
 * Express app mounts the same handler (webhookRouter), so both answer alike.
 */
export function webhookHandler(deps: WebhookRouteDeps): Handler {
  // body-parser's JSON reader, as express.json() is: limits, charsets, content encodings, strict JSON.
  const parseJson = express.json({ limit: deps.bodyLimit, type: () => true, strict: true }) as unknown as BodyParser;
  const isJson = (req: IncomingMessage): boolean =>
    // Express's own content-type test (type-is): no body, or another type, is not JSON.
    Boolean(express.request.is.call(req as express.Request, JSON_TYPES));

  const inFlight = new InFlight<string>();

  return (req, res) => {
    const verdict = checkSecret(req.headers['x-webhook-secret'], querySecret(req.url), deps.webhookSecret);
    if (verdict === 'missing') return reply(res, 401, { error: 'missing X-Webhook-Secret header' });
    if (verdict === 'wrong') return reply(res, 403, { error: 'wrong webhook secret' });
    if (!isJson(req)) return reply(res, 415, { error: 'expected Content-Type: application/json' });
    parseJson(req, res, (err) => {
      if (err !== undefined) return bodyError(deps, err, res);
      handleDelivery(deps, inFlight, (req as IncomingMessage & { body?: unknown }).body, res).catch((e: unknown) =>
        internalError(deps, e, res),
      );
    });
  };
}

/** Whether a request is for the webhook route (as Express would match `/webhook`: any case, optional `/`). */
export function isWebhookRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const end = req.url.indexOf('?');
  const path = (end === -1 ? req.url : req.url.slice(0, end)).toLowerCase();
  return path === '/webhook' || path === '/webhook/';
}

/** The same handler mounted on an Express app. */
export function webhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  const handler = webhookHandler(deps);
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
  const delivery: Delivery = {
    source: 'webhook',
    receivedAt: new Date().toISOString(),
    webhookId: payload.webhook.id,
    event: { action: payload.event.action, scope: payload.event.scope },
    oldSha: decision.oldSha,
    newSha: decision.revision ?? null,
  };
  const names = decision.pipelines.map((p) => p.name);
  try {
    const revision = decision.revision;
    // Duplicates of a delivery that is being recorded share its record (in-flight.ts).
    const record = (p: PipelineSpec) =>
      revision === undefined
        ? deps.recorder.record(p, revision, delivery)
        : inFlight.run(`${p.name}\n${revision}`, () => deps.recorder.record(p, revision, delivery));
    const workflowIds = await Promise.all(decision.pipelines.map(record));
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

/** body-parser's errors, mapped to the documented codes. */
function bodyError(deps: WebhookRouteDeps, err: unknown, res: ServerResponse): void {
  if (res.headersSent) return;
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return reply(res, 413, { error: 'payload too large' });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return reply(res, 415, { error: 'unsupported body encoding or charset' });
  }
  if (type !== undefined || err instanceof SyntaxError) return reply(res, 400, { error: 'malformed JSON body' });
  internalError(deps, err, res);
}

function internalError(deps: WebhookRouteDeps, err: unknown, res: ServerResponse): void {
  deps.logger.error({ err: { message: (err as Error).message } }, 'unhandled error in request');
  if (!res.headersSent) reply(res, 500, { error: 'internal error' });
}

/** A JSON answer, written in one go (what Express's res.json does, less the ETag a POST answer has no use for). */
function reply(res: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
