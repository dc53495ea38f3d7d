/**
 * The receiver sends POST /webhook straight to its handler, around Express (serve.ts, for speed:
 * bench/RESULTS.md), behind the same common middleware as the app. It must answer exactly as the Express app
 * does, for every documented case, serving and draining: status, body, headers (security headers included),
 * delivery metrics and the HTTP span; it counts as in flight for graceful shutdown; and duplicate deliveries
 * that arrive while one is being recorded share its record.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { ReceiverMetrics } from '../../src/observability/metrics';
import { createApp, type AppDeps } from '../../src/server/app';
import { Drain } from '../../src/server/drain';
import { InFlight } from '../../src/server/in-flight';
import type { UpdateRecorder } from '../../src/server/record-update';
import { receiverListener } from '../../src/server/serve';
import { eventually } from '../helpers/temporal';

/** Waits for a condition in this process, checking every 10 ms. */
const until = (check: () => boolean) => eventually(() => check() || undefined, 30_000, 'the condition', 10);

const SECRET = 'a-webhook-secret-for-tests';
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8');
const discussion = readFileSync(
  join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-discussion-create.json'),
  'utf8',
);
const pipelines = parseConfig({
  target_namespace: 'acme',
  input_dataset: 'acme/product-images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: 'images',
});

/** A recorder that records nothing until told to (while `holding`), and counts its calls. */
class HeldRecorder {
  calls = 0;
  private release: (() => void)[] = [];
  fail = false;
  holding = true;
  async record(pipeline: { name: string }): Promise<string> {
    this.calls += 1;
    if (this.holding) await new Promise<void>((resolve) => this.release.push(resolve));
    if (this.fail) throw new Error('Temporal is down');
    return `pipeline:${pipeline.name}`;
  }
  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
  async reachable(): Promise<boolean> {
    return true;
  }
}

/** An immediate recorder; notes the span each record ran in (the Temporal client's span would be its child). */
class InstantRecorder {
  readonly spans: (string | undefined)[] = [];
  async record(pipeline: { name: string }): Promise<string> {
    this.spans.push(trace.getActiveSpan()?.spanContext().spanId);
    return `pipeline:${pipeline.name}`;
  }
  async reachable(): Promise<boolean> {
    return true;
  }
}

let temporal: Client;
beforeAll(() => {
  // Never contacted: the recorders above stand in for Temporal; the status API is not exercised.
  temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  // As tracing.ts sets up: span contexts follow async calls, so a record runs inside its request's span.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(async () => {
  context.disable();
  await temporal.connection.close();
});

function deps(recorder: unknown, extra: Partial<AppDeps> = {}): AppDeps {
  return {
    pipelines,
    webhookSecret: SECRET,
    recorder: recorder as UpdateRecorder,
    client: temporal,
    logger: createLogger('silent'),
    ...extra,
  };
}

/** One side of the comparison: its own recorder, metrics, spans and drain. */
function observed(draining: boolean) {
  const recorder = new InstantRecorder();
  const metrics = new ReceiverMetrics({ processMetrics: false });
  const spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
  const drain = new Drain();
  if (draining) drain.start();
  return { recorder, metrics, spans, drain, deps: deps(recorder, { metrics, tracer, drain }) };
}

interface Case {
  name: string;
  path?: string;
  method?: 'post' | 'get';
  headers?: Record<string, string>;
  body?: string;
}

const json = { 'Content-Type': 'application/json' };
const CASES: Case[] = [
  { name: 'no secret', headers: json, body: fixture },
  { name: 'wrong secret', headers: { ...json, 'X-Webhook-Secret': 'nope' }, body: fixture },
  { name: 'secret in the query', path: `/webhook?secret=${SECRET}`, headers: json, body: discussion },
  { name: 'repeated query secret', path: `/webhook?secret=${SECRET}&secret=${SECRET}`, headers: json, body: fixture },
  { name: 'not JSON', headers: { 'Content-Type': 'text/plain', 'X-Webhook-Secret': SECRET }, body: 'hello' },
  {
    name: 'vendor JSON type',
    headers: { 'Content-Type': 'application/vnd.hub+json', 'X-Webhook-Secret': SECRET },
    body: fixture,
  },
  {
    name: 'latin-1 charset',
    headers: { 'Content-Type': 'application/json; charset=latin1', 'X-Webhook-Secret': SECRET },
    body: fixture,
  },
  { name: 'malformed JSON', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: '{"event": ' },
  { name: 'a JSON string, not an object', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: '"hello"' },
  { name: 'empty JSON body', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: '' },
  {
    name: 'wrong payload version',
    headers: { ...json, 'X-Webhook-Secret': SECRET },
    body: fixture.replace('"version": 3', '"version": 2'),
  },
  {
    name: 'too large',
    headers: { ...json, 'X-Webhook-Secret': SECRET },
    body: fixture.replace('{', `{"pad":"${'x'.repeat(1024 * 1024)}",`),
  },
  { name: 'not for any pipeline', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: discussion },
  { name: 'accepted', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: fixture },
  { name: 'accepted at /WEBHOOK/', path: '/WEBHOOK/', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: fixture },
  { name: 'GET /webhook (Express: 404)', method: 'get', headers: { 'X-Webhook-Secret': SECRET } },
  { name: 'another route', path: '/webhooks', headers: { ...json, 'X-Webhook-Secret': SECRET }, body: fixture },
];

async function send(target: Express | Server, c: Case) {
  const agent = request(target);
  const path = c.path ?? '/webhook';
  const req = (c.method === 'get' ? agent.get(path) : agent.post(path)).set(c.headers ?? {});
  const res = c.body !== undefined ? await req.send(c.body) : await req;
  return { status: res.status, body: res.body as unknown, headers: res.headers as Record<string, string> };
}

/** Headers that can be compared across two answers: no date, the CSP's per-answer nonce masked. */
function comparableHeaders(headers: Record<string, string>): Record<string, string> {
  const { date: _date, ...rest } = headers;
  const csp = rest['content-security-policy'];
  if (csp) rest['content-security-policy'] = csp.replace(/'nonce-[^']+'/g, "'nonce-*'");
  return rest;
}

/** The delivery counters and the answer-time histogram's counts. */
async function deliveryMetrics(metrics: ReceiverMetrics): Promise<string[]> {
  const { body } = await metrics.text();
  return body
    .split('\n')
    .filter((l) => /^hub_retrain_webhook_(deliveries_total|duration_seconds_count)\{/.test(l))
    .sort();
}

/** The one span a request made (it ends when the answer is done), as comparable data. */
async function requestSpan(spans: InMemorySpanExporter) {
  await until(() => spans.getFinishedSpans().length > 0);
  const all = spans.getFinishedSpans();
  expect(all).toHaveLength(1);
  const span = all[0]!;
  return {
    id: span.spanContext().spanId,
    comparable: { name: span.name, kind: span.kind, attributes: span.attributes, status: span.status },
  };
}

describe.each([
  ['serving', false],
  ['draining', true],
])('%s', (_, draining) => {
  test.each(CASES.map((c) => [c.name, c] as const))(
    '%s: the receiver answers as the Express app does',
    async (_, c) => {
      const viaApp = observed(draining);
      const viaReceiver = observed(draining);
      const server = createServer(receiverListener(viaReceiver.deps)).listen(0, '127.0.0.1');
      const fromApp = await send(createApp(viaApp.deps), c);
      const fromReceiver = await send(server, c);
      server.close();

      expect(fromReceiver.status).toBe(fromApp.status);
      expect(fromReceiver.body).toEqual(fromApp.body);
      expect(comparableHeaders(fromReceiver.headers)).toEqual(comparableHeaders(fromApp.headers));
      const spanOfApp = await requestSpan(viaApp.spans);
      const spanOfReceiver = await requestSpan(viaReceiver.spans);
      expect(spanOfReceiver.comparable).toEqual(spanOfApp.comparable);
      expect(await deliveryMetrics(viaReceiver.metrics)).toEqual(await deliveryMetrics(viaApp.metrics));

      // And what they agree on is what main's app answers: security headers on every answer; 503 while draining.
      expect(fromReceiver.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'content-security-policy': expect.stringMatching(/script-src 'self' 'nonce-[^']+'/) as unknown,
      });
      const isWebhook = c.method !== 'get' && c.path !== '/webhooks';
      if (draining) {
        expect(fromReceiver.headers.connection).toBe('close');
        if (isWebhook) {
          expect([fromReceiver.status, fromReceiver.headers['retry-after']]).toEqual([503, '10']);
          expect(await deliveryMetrics(viaReceiver.metrics)).toContain(
            'hub_retrain_webhook_deliveries_total{outcome="draining",pipeline="none"} 1',
          );
        }
      } else {
        expect([200, 202, 400, 401, 403, 404, 413, 415]).toContain(fromReceiver.status);
      }
      expect(await deliveryMetrics(viaReceiver.metrics)).toHaveLength(isWebhook ? 2 : 0);
      // A recorded delivery's signal runs inside its request's span, on either path.
      expect(viaReceiver.recorder.spans).toEqual(fromReceiver.status === 202 ? [spanOfReceiver.id] : []);
      expect(viaApp.recorder.spans).toEqual(fromApp.status === 202 ? [spanOfApp.id] : []);
    },
  );
});

test('a delivery on the fast path is in flight until answered: a drain waits for it and it is still recorded', async () => {
  const recorder = new HeldRecorder();
  const drain = new Drain();
  const server = createServer(receiverListener(deps(recorder, { drain }))).listen(0, '127.0.0.1');
  const post = () =>
    request(server)
      .post('/webhook')
      .set({ ...json, 'X-Webhook-Secret': SECRET })
      .send(fixture)
      .then((r) => r);
  const first = post();
  await until(() => recorder.calls === 1);
  expect(drain.requestsInFlight).toBe(1);
  drain.start();
  expect(await drain.settled(100)).toBe(false);
  const later = await post(); // arrives while draining: refused, not recorded
  expect([later.status, later.headers['retry-after']]).toEqual([503, '10']);
  expect(recorder.calls).toBe(1);
  const settled = drain.settled(30_000);
  recorder.releaseAll();
  expect((await first).status).toBe(202);
  expect(await settled).toBe(true);
  expect(drain.requestsInFlight).toBe(0);
  server.close();
});

test('duplicates of a delivery being recorded share its record, and are answered only once it is done', async () => {
  const recorder = new HeldRecorder();
  const drain = new Drain();
  const server = createServer(receiverListener(deps(recorder, { drain }))).listen(0, '127.0.0.1');
  const post = () =>
    request(server)
      .post('/webhook')
      .set({ ...json, 'X-Webhook-Secret': SECRET })
      .send(fixture);
  const answers = Array.from({ length: 10 }, () => post().then((r) => r.status));
  let answered = 0;
  for (const a of answers) void a.then(() => (answered += 1));
  // All ten have arrived and none has finished while the one record is held.
  await until(() => recorder.calls === 1 && drain.requestsInFlight === 10);
  expect(answered).toBe(0); // nothing is acknowledged before Temporal holds the event
  expect(recorder.calls).toBe(1);
  recorder.releaseAll();
  expect(await Promise.all(answers)).toEqual(Array(10).fill(202));

  // Once recorded, a new delivery of the same commit is recorded again (the pipeline drops it).
  const again = post().then((r) => r.status); // supertest sends on then()
  await until(() => recorder.calls === 2);
  recorder.releaseAll();
  expect(await again).toBe(202);
  server.close();
});

test('when the shared record fails, every delivery that waited on it gets the 503', async () => {
  const recorder = new HeldRecorder();
  recorder.fail = true;
  const drain = new Drain();
  const server = createServer(receiverListener(deps(recorder, { drain }))).listen(0, '127.0.0.1');
  const answers = Array.from({ length: 3 }, () =>
    request(server)
      .post('/webhook')
      .set({ ...json, 'X-Webhook-Secret': SECRET })
      .send(fixture),
  );
  const settled = Promise.all(answers);
  // Every delivery has arrived while the first is being recorded.
  await until(() => recorder.calls === 1 && drain.requestsInFlight === 3);
  // On a loaded machine one may not have joined the record yet: it then makes its own, which fails at once
  // (rather than being held forever).
  recorder.holding = false;
  recorder.releaseAll();
  const results = await settled;
  expect(results.map((r) => r.status)).toEqual([503, 503, 503]);
  for (const r of results) expect(r.headers['retry-after']).toMatch(/^\d+$/);
  server.close();
});

describe('InFlight', () => {
  test('callers of one key share a call; other keys and later calls run their own', async () => {
    const inFlight = new InFlight<number>();
    let calls = 0;
    let release!: () => void;
    const held = () =>
      new Promise<number>((resolve) => {
        calls += 1;
        release = () => resolve(calls);
      });
    const a = inFlight.run('k', held);
    const b = inFlight.run('k', held);
    expect(calls).toBe(1);
    expect(inFlight.size).toBe(1);
    release();
    expect(await Promise.all([a, b])).toEqual([1, 1]);
    expect(inFlight.size).toBe(0);
    const c = inFlight.run('k', held);
    release();
    expect(await c).toBe(2);
    const d = inFlight.run('other', async () => 7);
    expect(await d).toBe(7);
  });

  test('a failure reaches every waiting caller and is forgotten', async () => {
    const inFlight = new InFlight<number>();
    const failing = () => Promise.reject(new Error('down'));
    await expect(Promise.all([inFlight.run('k', failing), inFlight.run('k', failing)])).rejects.toThrow('down');
    expect(inFlight.size).toBe(0);
  });
});
