/**
 * GET /metrics on the receiver: deliveries by outcome and pipeline, the answer-time histogram, signal
 * failures, and each pipeline's queue depth and active runs, after real deliveries recorded in Temporal.
 */
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import type { PipelineSpec } from '../../src/config/config-schema';
import { createLogger } from '../../src/logging';
import { ReceiverMetrics } from '../../src/observability/metrics';
import { pipelineLoadReader, registerPipelineGauges } from '../../src/observability/pipeline-gauges';
import { createApp } from '../../src/server/app';
import { Drain } from '../../src/server/common/drain';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { pipelineStateQuery, pipelineWorkflowId } from '../../src/workflows/definitions';
import { mainPushDelivery } from '../helpers/deliveries';
import { pipelineSpec, startFakes, type FakeStack } from '../helpers/stack';
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

/** The receiver's app with fresh metrics, recording into `recordInto` (default: the test worker's queue). */
function appFor(
  pipelines: PipelineSpec[],
  options: { drain?: Drain; recordInto?: { client: Client; taskQueue: string; timeoutMs: number } } = {},
) {
  const target = options.recordInto ?? { client, taskQueue: worker.taskQueue, timeoutMs: 5000 };
  const metrics = new ReceiverMetrics({ processMetrics: false });
  const app = createApp({
    pipelines,
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(target.client, target.taskQueue, target.timeoutMs, metrics),
    client: target.client,
    logger: createLogger('silent'),
    metrics,
    drain: options.drain,
  });
  return { app, metrics };
}

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

test('deliveries, their answer times, and the pipelines queue and runs appear with their labels', async () => {
  const name = unique('images');
  const { app, metrics } = appFor([pipelineSpec(fakes, { name })]);
  registerPipelineGauges(metrics.registry, pipelineLoadReader(client, [name]));

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
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const down = new Client({ connection });
  const { app } = appFor([pipelineSpec({ dataset: 'acme/down' }, { name })], {
    recordInto: { client: down, taskQueue: 'nowhere', timeoutMs: 300 },
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
  const drain = new Drain();
  const { app } = appFor([pipelineSpec({ dataset: 'acme/draining' }, { name })], { drain });
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
