/**
 * POST /webhook through the receiver's Express app, with recorders that stand in for Temporal so the timing of
 * a record can be held: every documented answer, serving and draining, with what the common middleware adds to
 * it (security headers, the delivery metrics, one HTTP span with the record inside it); a delivery counts as in
 * flight for graceful shutdown until answered; duplicate deliveries that arrive while one is being recorded
 * share its record, and are answered only once it is done.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { ReceiverMetrics } from '../../src/observability/metrics';
import { createApp, type AppDeps } from '../../src/server/app';
import { Drain } from '../../src/server/common/drain';
import { InFlight } from '../../src/server/common/in-flight';
import type { UpdateRecorder } from '../../src/server/webhook/record-update';
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

/** An app with its own recorder, metrics, spans and drain. */
function observed(draining: boolean) {
  const recorder = new InstantRecorder();
  const metrics = new ReceiverMetrics({ processMetrics: false });
  const spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
  const drain = new Drain();
  if (draining) drain.start();
  return { recorder, metrics, spans, app: createApp(deps(recorder, { metrics, tracer, drain })) };
}

interface Case {
  name: string;
  path?: string;
  method?: 'post' | 'get';
  headers?: Record<string, string>;
  body?: string;
  /** The answer while serving: status, and the delivery outcome counted (none: not a delivery). */
  status: number;
  outcome?: string;
  error?: string;
}

const json = { 'Content-Type': 'application/json' };
const withSecret = { ...json, 'X-Webhook-Secret': SECRET };
const CASES: Case[] = [
  { name: 'no secret', headers: json, body: fixture, status: 401, outcome: 'unauthorized' },
  {
    name: 'wrong secret',
    headers: { ...json, 'X-Webhook-Secret': 'nope' },
    body: fixture,
    status: 403,
    outcome: 'forbidden',
  },
  {
    name: 'wrong secret and a malformed body (the secret is checked first)',
    headers: { ...json, 'X-Webhook-Secret': 'nope' },
    body: '{"event": ',
    status: 403,
    outcome: 'forbidden',
  },
  {
    name: 'no secret and a body over the limit (not read)',
    headers: json,
    body: fixture.replace('{', `{"pad":"${'x'.repeat(1024 * 1024)}",`),
    status: 401,
    outcome: 'unauthorized',
  },
  {
    name: 'secret in the query',
    path: `/webhook?secret=${SECRET}`,
    headers: json,
    body: discussion,
    status: 200,
    outcome: 'ignored',
  },
  {
    name: 'repeated query secret',
    path: `/webhook?secret=${SECRET}&secret=${SECRET}`,
    headers: json,
    body: fixture,
    status: 403,
    outcome: 'forbidden',
  },
  {
    name: 'not JSON',
    headers: { 'Content-Type': 'text/plain', 'X-Webhook-Secret': SECRET },
    body: 'hello',
    status: 415,
    outcome: 'unsupported_media_type',
  },
  {
    name: 'vendor JSON type',
    headers: { 'Content-Type': 'application/vnd.hub+json', 'X-Webhook-Secret': SECRET },
    body: fixture,
    status: 202,
    outcome: 'recorded',
  },
  {
    name: 'latin-1 charset',
    headers: { 'Content-Type': 'application/json; charset=latin1', 'X-Webhook-Secret': SECRET },
    body: fixture,
    status: 415,
    outcome: 'unsupported_media_type',
    error: 'unsupported body encoding or charset',
  },
  {
    name: 'malformed JSON',
    headers: withSecret,
    body: '{"event": ',
    status: 400,
    outcome: 'invalid',
    error: 'malformed JSON body',
  },
  {
    name: 'a JSON string, not an object',
    headers: withSecret,
    body: '"hello"',
    status: 400,
    outcome: 'invalid',
    error: 'malformed JSON body',
  },
  { name: 'empty JSON body', headers: withSecret, body: '', status: 400, outcome: 'invalid' },
  {
    name: 'wrong payload version',
    headers: withSecret,
    body: fixture.replace('"version": 3', '"version": 2'),
    status: 400,
    outcome: 'invalid',
    error: 'invalid webhook payload',
  },
  {
    name: 'too large',
    headers: withSecret,
    body: fixture.replace('{', `{"pad":"${'x'.repeat(1024 * 1024)}",`),
    status: 413,
    outcome: 'too_large',
    error: 'payload too large',
  },
  { name: 'not for any pipeline', headers: withSecret, body: discussion, status: 200, outcome: 'ignored' },
  { name: 'accepted', headers: withSecret, body: fixture, status: 202, outcome: 'recorded' },
  {
    name: 'accepted at /WEBHOOK/',
    path: '/WEBHOOK/',
    headers: withSecret,
    body: fixture,
    status: 202,
    outcome: 'recorded',
  },
  { name: 'GET /webhook', method: 'get', headers: { 'X-Webhook-Secret': SECRET }, status: 404 },
  { name: 'another route', path: '/webhooks', headers: withSecret, body: fixture, status: 404 },
];

async function send(app: ReturnType<typeof createApp>, c: Case) {
  const agent = request(app);
  const path = c.path ?? '/webhook';
  const req = (c.method === 'get' ? agent.get(path) : agent.post(path)).set(c.headers ?? {});
  const res = c.body !== undefined ? await req.send(c.body) : await req;
  return { status: res.status, body: res.body as { error?: string }, headers: res.headers as Record<string, string> };
}

/** The delivery counters and the answer-time histogram's counts. */
async function deliveryMetrics(metrics: ReceiverMetrics): Promise<string[]> {
  const { body } = await metrics.text();
  return body
    .split('\n')
    .filter((l) => /^hub_retrain_webhook_(deliveries_total|duration_seconds_count)\{/.test(l))
    .sort();
}

/** The one span a request made (it ends when the answer is done). */
async function requestSpan(spans: InMemorySpanExporter) {
  await until(() => spans.getFinishedSpans().length > 0);
  const all = spans.getFinishedSpans();
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe.each([
  ['serving', false],
  ['draining', true],
])('%s', (_, draining) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { recorder, metrics, spans, app } = observed(draining);
    const answer = await send(app, c);
    const isDelivery = c.outcome !== undefined;

    const status = draining && isDelivery ? 503 : c.status;
    expect(answer.status).toBe(status);
    if (c.error && !draining) expect(answer.body.error).toBe(c.error);
    // Security headers on every answer.
    expect(answer.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': expect.stringMatching(/script-src 'self'(;|$)/) as unknown,
    });
    if (draining) {
      expect(answer.headers.connection).toBe('close');
      if (isDelivery) expect(answer.headers['retry-after']).toBe('10');
    }

    // Each delivery is counted once, by how it was answered; other requests are not deliveries.
    const counted = await deliveryMetrics(metrics);
    if (isDelivery) {
      const outcome = draining ? 'draining' : c.outcome!;
      const pipeline = !draining && status === 202 ? 'images' : 'none';
      expect(counted).toEqual([
        `hub_retrain_webhook_deliveries_total{outcome="${outcome}",pipeline="${pipeline}"} 1`,
        `hub_retrain_webhook_duration_seconds_count{outcome="${outcome}"} 1`,
      ]);
    } else {
      expect(counted).toEqual([]);
    }

    // One HTTP span per request, named by the path without its query; a recorded delivery's signal runs in it.
    const span = await requestSpan(spans);
    const path = (c.path ?? '/webhook').split('?')[0]!;
    expect(span.name).toBe(`${c.method === 'get' ? 'GET' : 'POST'} ${path}`);
    expect(span.attributes).toMatchObject({ 'url.path': path, 'http.response.status_code': status });
    expect(JSON.stringify(span.attributes)).not.toContain(SECRET);
    expect(recorder.spans).toEqual(status === 202 ? [span.spanContext().spanId] : []);
  });
});

test('a delivery is in flight until answered: a drain waits for it and it is still recorded', async () => {
  const recorder = new HeldRecorder();
  const drain = new Drain();
  const app = createApp(deps(recorder, { drain }));
  const post = () =>
    request(app)
      .post('/webhook')
      .set(withSecret)
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
});

test('duplicates of a delivery being recorded share its record, and are answered only once it is done', async () => {
  const recorder = new HeldRecorder();
  const drain = new Drain();
  const app = createApp(deps(recorder, { drain }));
  const post = () => request(app).post('/webhook').set(withSecret).send(fixture);
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
});

test('when the shared record fails, every delivery that waited on it gets the 503', async () => {
  const recorder = new HeldRecorder();
  recorder.fail = true;
  const drain = new Drain();
  const app = createApp(deps(recorder, { drain }));
  const answers = Array.from({ length: 3 }, () => request(app).post('/webhook').set(withSecret).send(fixture));
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
