/**
 * The receiver sends POST /webhook straight to its handler, around Express (serve.ts, for speed:
 * bench/RESULTS.md). It must answer exactly as the Express app does, for every documented case; and
 * duplicate deliveries that arrive while one is being recorded share its record.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp, type AppDeps } from '../../src/server/app';
import { InFlight } from '../../src/server/in-flight';
import type { UpdateRecorder } from '../../src/server/record-update';
import { receiverListener } from '../../src/server/serve';

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

/** A recorder that records nothing until told to, and counts its calls. */
class HeldRecorder {
  calls = 0;
  private release: (() => void)[] = [];
  fail = false;
  async record(pipeline: { name: string }): Promise<string> {
    this.calls += 1;
    await new Promise<void>((resolve) => this.release.push(resolve));
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

/** An immediate recorder. */
const instantRecorder = {
  record: async (pipeline: { name: string }) => `pipeline:${pipeline.name}`,
  reachable: async () => true,
};

let temporal: Client;
beforeAll(() => {
  // Never contacted: the recorders above stand in for Temporal; the status API is not exercised.
  temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
});
afterAll(async () => {
  await temporal.connection.close();
});

function deps(recorder: unknown): AppDeps {
  return {
    pipelines,
    webhookSecret: SECRET,
    recorder: recorder as UpdateRecorder,
    client: temporal,
    logger: createLogger('silent'),
  };
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
  return { status: res.status, body: res.body as unknown, type: res.headers['content-type'] };
}

test.each(CASES.map((c) => [c.name, c] as const))('%s: the receiver answers as the Express app does', async (_, c) => {
  const app = createApp(deps(instantRecorder));
  const server = createServer(receiverListener(deps(instantRecorder))).listen(0, '127.0.0.1');
  const viaApp = await send(app, c);
  const viaReceiver = await send(server, c);
  server.close();
  expect(viaReceiver).toEqual(viaApp);
  expect([200, 202, 400, 401, 403, 404, 413, 415]).toContain(viaReceiver.status);
});

test('duplicates of a delivery being recorded share its record, and are answered only once it is done', async () => {
  const recorder = new HeldRecorder();
  const server = createServer(receiverListener(deps(recorder))).listen(0, '127.0.0.1');
  const post = () =>
    request(server)
      .post('/webhook')
      .set({ ...json, 'X-Webhook-Secret': SECRET })
      .send(fixture);
  const answers = Array.from({ length: 10 }, () => post().then((r) => r.status));
  let answered = 0;
  for (const a of answers) void a.then(() => (answered += 1));
  await waitUntil(() => recorder.calls === 1);
  await new Promise((r) => setTimeout(r, 200));
  expect(answered).toBe(0); // nothing is acknowledged before Temporal holds the event
  expect(recorder.calls).toBe(1);
  recorder.releaseAll();
  expect(await Promise.all(answers)).toEqual(Array(10).fill(202));

  // Once recorded, a new delivery of the same commit is recorded again (the pipeline drops it).
  const again = post().then((r) => r.status); // supertest sends on then()
  await waitUntil(() => recorder.calls === 2);
  recorder.releaseAll();
  expect(await again).toBe(202);
  server.close();
});

test('when the shared record fails, every delivery that waited on it gets the 503', async () => {
  const recorder = new HeldRecorder();
  recorder.fail = true;
  const server = createServer(receiverListener(deps(recorder))).listen(0, '127.0.0.1');
  const answers = Array.from({ length: 3 }, () =>
    request(server)
      .post('/webhook')
      .set({ ...json, 'X-Webhook-Secret': SECRET })
      .send(fixture),
  );
  const settled = Promise.all(answers);
  await waitUntil(() => recorder.calls === 1);
  recorder.releaseAll();
  const results = await settled;
  expect(results.map((r) => r.status)).toEqual([503, 503, 503]);
  expect(results[0]!.headers['retry-after']).toMatch(/^\d+$/);
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

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
