/**
 * The receiver over real HTTP, recording into the real Temporal dev server: every status code of the
 * design's table, each fixture routed as design.md says, and the secret kept out of the logs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import type { Express } from 'express';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { pipelineWorkflowId } from '../../src/workflows/definitions';
import { testClient, unique } from '../helpers/temporal';

const SECRET = 'a-webhook-secret-for-tests';
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

let client: Client;
let logs: string[];
let taskQueue: string;
let pipelineName: string;
let app: Express;

/** The original Space's four-key config.json, unchanged, for the fixtures' dataset. */
const originalConfig = (prefix: string) => ({
  target_namespace: 'acme',
  input_dataset: 'acme/product-images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: prefix,
});

function makeApp(
  recorder: UpdateRecorder,
  pipelines = parseConfig(originalConfig(pipelineName)),
  temporal: Client = client,
): Express {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  return createApp({
    pipelines,
    webhookSecret: SECRET,
    recorder,
    client: temporal,
    logger: createLogger('debug', 'test', sink),
  });
}

beforeAll(async () => {
  client = await testClient();
});

beforeEach(() => {
  logs = [];
  taskQueue = unique('receiver');
  pipelineName = unique('images');
  app = makeApp(new UpdateRecorder(client, taskQueue, 5000));
});

afterAll(async () => {
  await client.connection.close();
});

const post = (body: unknown, headers: Record<string, string> = { 'X-Webhook-Secret': SECRET }) =>
  request(app)
    .post('/webhook')
    .set(headers)
    .send(body as object);

/** The signals Temporal recorded for a pipeline workflow (no worker needed: read from history). */
async function recordedSignals(workflowId: string): Promise<unknown[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'datasetUpdated')
    .map((e) => e.workflowExecutionSignaledEventAttributes);
}

describe('status codes', () => {
  test('401 when the secret header is missing', async () => {
    const res = await post(fixture('dataset-content-main'), {});
    expect(res.status).toBe(401);
  });

  test('403 when the secret is wrong, whatever its length', async () => {
    for (const wrong of ['x', `${SECRET}x`, SECRET.toUpperCase()]) {
      const res = await post(fixture('dataset-content-main'), { 'X-Webhook-Secret': wrong });
      expect(res.status).toBe(403);
    }
  });

  test('the header name is case-insensitive and the ?secret= query form is accepted', async () => {
    const lower = await post(fixture('dataset-discussion-create'), { 'x-webhook-secret': SECRET });
    expect(lower.status).toBe(200);
    const query = await request(app)
      .post(`/webhook?secret=${encodeURIComponent(SECRET)}`)
      .send(fixture('dataset-discussion-create'));
    expect(query.status).toBe(200);
    const wrongQuery = await request(app).post('/webhook?secret=nope').send(fixture('dataset-discussion-create'));
    expect(wrongQuery.status).toBe(403);
  });

  test('415 when the body is not JSON', async () => {
    const res = await request(app)
      .post('/webhook')
      .set('X-Webhook-Secret', SECRET)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(res.status).toBe(415);
  });

  test('413 when the body is over 1 MiB', async () => {
    const big = { ...fixture('dataset-content-main'), padding: 'x'.repeat(1024 * 1024 + 10) };
    const res = await post(big);
    expect(res.status).toBe(413);
  });

  test('400 for malformed JSON', async () => {
    const res = await request(app)
      .post('/webhook')
      .set('X-Webhook-Secret', SECRET)
      .set('Content-Type', 'application/json')
      .send('{"event": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'malformed JSON body' });
  });

  test('400 with zod issue paths for a payload of the wrong shape', async () => {
    const res = await post({
      event: { action: 'update' },
      repo: { type: 'dataset', name: 42 },
      webhook: { id: 'w', version: 3 },
    });
    expect(res.status).toBe(400);
    const paths = (res.body as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['event.scope', 'repo.name']));
  });

  test('400 for a payload version other than 3, saying so', async () => {
    const res = await post({ ...fixture('dataset-content-main'), webhook: { id: 'w', version: 2 } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('version 3');
  });

  test('unknown extra fields are tolerated', async () => {
    const payload = fixture('dataset-content-main');
    const res = await post({
      ...payload,
      somethingNew: { nested: true },
      repo: { ...(payload.repo as object), brandNew: 1 },
    });
    expect(res.status).toBe(202);
  });

  test('503 with Retry-After when Temporal cannot take the event, and nothing is acknowledged', async () => {
    const dead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    app = makeApp(new UpdateRecorder(dead, taskQueue, 500), undefined, dead);
    const res = await post(fixture('dataset-content-main'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toHaveProperty('error');
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
  });

  test('healthz is 200; readyz is 200 when Temporal answers', async () => {
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);
  });
});

describe('routing the Hub fixtures', () => {
  test.each([
    ['dataset-content-pr', /main did not move.*refs\/pr\/3/],
    ['dataset-content-tag', /main did not move.*refs\/tags\/v2/],
    ['dataset-config', /scope "repo.config"/],
    ['dataset-delete', /action is "delete"/],
    ['dataset-move', /action is "move"/],
    ['dataset-discussion-create', /a discussion on a dataset, not on a Space/],
    ['model-content-main', /repo type is "model"/],
  ])('%s is answered 200 processed:false with a reason, and starts nothing', async (name, reason) => {
    const res = await post(fixture(name));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ processed: false, reason: expect.stringMatching(reason) as unknown });
    await expect(client.workflow.getHandle(pipelineWorkflowId(pipelineName)).describe()).rejects.toThrow();
  });

  test('an update of a dataset no pipeline watches is 200 with a reason', async () => {
    const payload = fixture('dataset-content-main');
    const res = await post({ ...payload, repo: { ...(payload.repo as object), name: 'someone/else' } });
    expect(res).toMatchObject({
      status: 200,
      body: { processed: false, reason: 'no pipeline watches dataset "someone/else"' },
    });
  });

  test('dataset-content-main with the original four-key config.json is recorded before the 202', async () => {
    const res = await post(fixture('dataset-content-main'));
    expect(res.status).toBe(202);
    const workflowId = pipelineWorkflowId(pipelineName);
    expect(res.body).toEqual({
      processed: true,
      pipelines: [pipelineName],
      workflowIds: [workflowId],
      revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
    });
    // The 202 came after Temporal had the signal: it is in the history now, with the revision.
    const signals = await recordedSignals(workflowId);
    expect(signals).toHaveLength(1);
    await client.workflow.getHandle(workflowId).terminate('test over');
  });

  test('a content event without updatedRefs falls back to headSha', async () => {
    const { updatedRefs: _dropped, ...payload } = fixture('dataset-content-main');
    const res = await post(payload);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d' });
    await client.workflow.getHandle(pipelineWorkflowId(pipelineName)).terminate('test over');
  });

  test('updatedRefs: null (huggingface_hub types it Optional) falls back to headSha instead of a 400', async () => {
    const res = await post({ ...fixture('dataset-content-main'), updatedRefs: null });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d' });
    await client.workflow.getHandle(pipelineWorkflowId(pipelineName)).terminate('test over');
  });

  test('a push that moves more than 1,000 refs is routed by its refs/heads/main entry', async () => {
    const payload = fixture('dataset-content-main');
    const main = (payload.updatedRefs as Array<Record<string, unknown>>)[0]!;
    const tags = Array.from({ length: 1500 }, (_, i) => ({
      ref: `refs/tags/v${i}`,
      oldSha: null,
      newSha: '1'.repeat(40),
    }));
    const res = await post({ ...payload, updatedRefs: [...tags, main] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ revision: main.newSha });
    await client.workflow.getHandle(pipelineWorkflowId(pipelineName)).terminate('test over');

    // Without main among them it is ignored, and the reason names a few refs, not all 1,500.
    const ignored = await post({ ...payload, updatedRefs: tags });
    expect(ignored.status).toBe(200);
    expect((ignored.body as { reason: string }).reason).toBe(
      'main did not move (updated refs: refs/tags/v0, refs/tags/v1, refs/tags/v2, refs/tags/v3, refs/tags/v4 and 1495 more)',
    );
  });

  test('a narrower content scope (repo.content.something) counts as a content change', async () => {
    const payload = fixture('dataset-content-main');
    const res = await post({ ...payload, event: { action: 'update', scope: 'repo.content.lfs' } });
    expect(res.status).toBe(202);
    await client.workflow.getHandle(pipelineWorkflowId(pipelineName)).terminate('test over');
  });
});

test('neither the header secret nor the ?secret= query value reaches the logs', async () => {
  await post(fixture('dataset-content-main'));
  await request(app)
    .post(`/webhook?secret=${encodeURIComponent(SECRET)}`)
    .send(fixture('dataset-discussion-create'));
  await post(fixture('dataset-content-main'), { 'X-Webhook-Secret': `${SECRET}-wrong` });
  const text = logs.join('');
  expect(text).toContain('"path":"/webhook"');
  expect(text).not.toContain(SECRET);
  await client.workflow.getHandle(pipelineWorkflowId(pipelineName)).terminate('test over');
});
