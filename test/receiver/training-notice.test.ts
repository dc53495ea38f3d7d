/**
 * AutoTrain's outcome discussion at the receiver, over real HTTP into the real Temporal dev server (no worker:
 * what the receiver promises is what Temporal records): the same secret checks as a dataset update, 202 only
 * once the waiting run holds the notice, 200 when no run waits, 503 + Retry-After when Temporal cannot take it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import { eventually, testClient, unique } from '../helpers/temporal';

const SECRET = 'a-webhook-secret-for-notice-tests';
const payload = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'space-discussion-autotrain-success.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
/** The revision the fixture's Space names (acme/autotrain-images-9f2c4e1a7b3d), in full. */
const REVISION = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';

let client: Client;
let pipeline: PipelineSpec;

function app(temporal: Client = client): Express {
  return createApp({
    pipelines: [pipeline],
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(temporal, unique('no-worker'), 5000),
    client: temporal,
    logger: createLogger('silent'),
    temporalTimeoutMs: 3000,
  });
}

const post = (to: Express, body: unknown = payload, secret = SECRET) =>
  request(to)
    .post('/webhook')
    .set({ 'X-Webhook-Secret': secret })
    .send(body as object);

beforeAll(async () => {
  client = await testClient();
});

beforeEach(() => {
  // A fresh pipeline name per test, with the prefix the fixture's Space carries.
  [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('images'),
        target_namespace: 'acme',
        input_dataset: 'acme/product-images',
        input_model: 'microsoft/resnet-50',
        autotrain_project_prefix: 'images',
      },
    ],
  }) as [PipelineSpec];
});

afterAll(async () => {
  await client.connection.close();
});

/** A run of the pipeline on the fixture's revision, waiting (no worker picks it up), once visibility lists it. */
async function waitingRun(): Promise<string> {
  const workflowId = retrainWorkflowId(pipeline.name, REVISION);
  await client.workflow.start(RETRAIN_WORKFLOW, {
    workflowId,
    taskQueue: unique('no-worker'),
    args: [{ pipeline, revision: REVISION, attempt: 1 }],
  });
  await eventually(async () => {
    for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) return info;
    return undefined;
  });
  return workflowId;
}

async function notices(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
    .filter((name): name is string => name !== undefined);
}

test('the outcome discussion of a waiting run is 202 once the run holds the notice, which carries nothing', async () => {
  const workflowId = await waitingRun();
  const res = await post(app());
  expect(res.status).toBe(202);
  expect(res.body).toEqual({
    processed: true,
    notice: 'training-ended',
    space: 'acme/autotrain-images-9f2c4e1a7b3d',
    workflowIds: [workflowId],
  });
  expect(await notices(workflowId)).toEqual(['trainingEnded']);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const signaled = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!;
  expect(signaled.workflowExecutionSignaledEventAttributes!.input?.payloads ?? []).toEqual([]);
  await client.workflow.getHandle(workflowId).terminate('test over');
});

test('the same secret checks as a dataset update: 401 without, 403 with a wrong one, and nothing is told', async () => {
  const workflowId = await waitingRun();
  expect((await request(app()).post('/webhook').send(payload)).status).toBe(401);
  expect((await post(app(), payload, 'wrong')).status).toBe(403);
  expect(await notices(workflowId)).toEqual([]);
  await client.workflow.getHandle(workflowId).terminate('test over');
});

test('200 with the reason when no run waits for the Space (it ended, or never was)', async () => {
  const res = await post(app());
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    processed: false,
    reason: 'no run waits for the training Space "acme/autotrain-images-9f2c4e1a7b3d"',
  });
});

test('503 with Retry-After when Temporal cannot take the notice, so that the Hub delivers it again', async () => {
  const dead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const res = await post(app(dead));
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBeDefined();
  expect(res.body).toEqual({ error: 'Temporal could not record the notice; retry later' });
});
