/**
 * GET /metrics on the receiver: deliveries by outcome and pipeline, the answer-time histogram, signal
 * failures, and each pipeline's queue depth and active runs, after real deliveries recorded in Temporal.
 */
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { ReceiverMetrics } from '../../src/observability/metrics';
import { pipelineLoadReader, registerPipelineGauges } from '../../src/observability/pipeline-gauges';
import { createApp } from '../../src/server/app';
import { Drain } from '../../src/server/drain';
import { UpdateRecorder } from '../../src/server/record-update';
import { pipelineStateQuery, pipelineWorkflowId } from '../../src/workflows/definitions';
import { mainPushDelivery } from '../helpers/deliveries';
import { startFakes, TEST_USER, type FakeStack } from '../helpers/stack';
import { eventually, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const SECRET = 'a-webhook-secret-for-tests';
const payload = mainPushDelivery;

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  fakes = await startFakes();
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
  client = await testClient();
  worker = await startWorker(unique('metrics'), fakes.activityDeps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

test('deliveries, their answer times, and the pipelines queue and runs appear with their labels', async () => {
  const name = unique('images');
  const pipelines = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: TEST_USER,
        input_dataset: fakes.dataset,
        input_model: 'microsoft/resnet-50',
        poll_interval_seconds: 1,
      },
    ],
  });
  const metrics = new ReceiverMetrics({ processMetrics: false });
  registerPipelineGauges(metrics.registry, pipelineLoadReader(client, [name]));
  const app = createApp({
    pipelines,
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(client, worker.taskQueue, 5000, metrics),
    client,
    logger: createLogger('silent'),
    metrics,
  });

  const sha = fakes.hub.pushCommit(fakes.dataset);
  expect(
    (await request(app).post('/webhook').set('X-Webhook-Secret', SECRET).send(payload(fakes.dataset, sha))).status,
  ).toBe(202);
  expect(
    (await request(app).post('/webhook').set('X-Webhook-Secret', 'wrong').send(payload(fakes.dataset, sha))).status,
  ).toBe(403);
  expect(
    (await request(app).post('/webhook').set('X-Webhook-Secret', SECRET).send(payload('acme/other', sha))).status,
  ).toBe(200);
  await eventually(async () => {
    const state = await client.workflow.getHandle(pipelineWorkflowId(name)).query(pipelineStateQuery);
    return state.recent.length === 1 ? true : undefined;
  }, 60_000);

  const res = await request(app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  const text = res.text;
  expect(text).toContain(`hub_retrain_webhook_deliveries_total{outcome="recorded",pipeline="${name}"} 1`);
  expect(text).toContain('hub_retrain_webhook_deliveries_total{outcome="forbidden",pipeline="none"} 1');
  expect(text).toContain('hub_retrain_webhook_deliveries_total{outcome="ignored",pipeline="none"} 1');
  expect(text).toMatch(/hub_retrain_webhook_duration_seconds_bucket\{le="0\.\d+",outcome="recorded"\}/);
  expect(text).toContain('hub_retrain_webhook_duration_seconds_count{outcome="recorded"} 1');
  expect(text).toContain(`hub_retrain_pipeline_queue_depth{pipeline="${name}"} 0`);
  expect(text).toContain(`hub_retrain_pipeline_active_runs{pipeline="${name}"} 0`);
  // The dataset's name (from the payload) never becomes a label; the secret never appears.
  expect(text).not.toContain('acme/other');
  expect(text).not.toContain(SECRET);
});

test('a signal Temporal cannot take is counted, and the delivery is answered 503 as "unavailable"', async () => {
  const name = unique('down');
  const pipelines = parseConfig({
    pipelines: [{ name, target_namespace: TEST_USER, input_dataset: 'acme/down', input_model: 'm' }],
  });
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const down = new Client({ connection });
  const metrics = new ReceiverMetrics({ processMetrics: false });
  const app = createApp({
    pipelines,
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(down, 'nowhere', 300, metrics),
    client: down,
    logger: createLogger('silent'),
    metrics,
  });
  const res = await request(app)
    .post('/webhook')
    .set('X-Webhook-Secret', SECRET)
    .send(payload('acme/down', 'a'.repeat(40)));
  expect(res.status).toBe(503);
  const text = (await request(app).get('/metrics')).text;
  expect(text).toContain(`hub_retrain_signal_failures_total{pipeline="${name}"} 1`);
  expect(text).toContain(`hub_retrain_webhook_deliveries_total{outcome="unavailable",pipeline="${name}"} 1`);
  await connection.close();
});

test('while draining, /readyz and new deliveries answer 503, counted as "draining"', async () => {
  const name = unique('draining');
  const pipelines = parseConfig({
    pipelines: [{ name, target_namespace: TEST_USER, input_dataset: 'acme/draining', input_model: 'm' }],
  });
  const metrics = new ReceiverMetrics({ processMetrics: false });
  const drain = new Drain();
  const app = createApp({
    pipelines,
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(client, worker.taskQueue, 5000, metrics),
    client,
    logger: createLogger('silent'),
    metrics,
    drain,
  });
  expect((await request(app).get('/readyz')).status).toBe(200);
  drain.start();
  const ready = await request(app).get('/readyz');
  expect([ready.status, ready.body]).toEqual([503, { status: 'draining' }]);
  const res = await request(app)
    .post('/webhook')
    .set('X-Webhook-Secret', SECRET)
    .send(payload('acme/draining', 'b'.repeat(40)));
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('10');
  expect(res.headers.connection).toBe('close');
  const text = (await request(app).get('/metrics')).text;
  expect(text).toContain('hub_retrain_webhook_deliveries_total{outcome="draining",pipeline="none"} 1');
});
