/**
 * GET /api/pipelines/{name}/metrics against the real dev server and a real worker running the local backend
 * (the scripted trainer reports the accuracy each run is given): the series of a model across revisions,
 * its verdicts, baselines, model in service and bar to beat; its errors; every answer checked against the
 * served OpenAPI document. And the page's run rows, which read the same endings, for a failed run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import { folderRevision } from '../../src/datasets/local-folder';
import { createLogger } from '../../src/logging';
import type { MetricSeriesView } from '../../src/server/api/api-schemas';
import { createApp } from '../../src/server/app';
import { openApiDocument } from '../../src/server/api/openapi';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { pipelineWorkflowId, retrainWorkflowId } from '../../src/workflows/definitions';
import { FakeHub } from '../fakes/fake-hub';
import { OpenApiChecker, type OpenApiDoc } from '../helpers/openapi';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

let hub: FakeHub;
let client: Client;
let worker: RunningWorker;
let app: Express;
let checker: OpenApiChecker;
let gated: PipelineSpec;
let plain: PipelineSpec;
let folder: string;

function pipeline(name: string, extra: Record<string, unknown> = {}): PipelineSpec {
  return parseConfig({
    pipelines: [
      {
        name,
        target_namespace: TEST_USER,
        input_dataset: `file:${folder}`,
        input_model: 'tiny-text-model',
        task: 'text-classification',
        poll_interval_seconds: 1,
        backend: { type: 'local', command: TRAINER, params: { seconds: 0.1 } },
        ...extra,
      },
    ],
  })[0]!;
}

/**
 * One run of `spec` on new folder content, through the pipeline as the receiver records it, the trainer
 * reporting `params`; resolves when the run has ended.
 */
async function trainOnce(spec: PipelineSpec, rows: string, params: Record<string, unknown>): Promise<string> {
  writeFileSync(join(folder, 'train.csv'), `text,label\n${rows}\n`);
  const revision = await folderRevision(folder);
  const backend =
    spec.backend.type === 'local' ? { ...spec.backend, params: { seconds: 0.1, ...params } } : spec.backend;
  await new UpdateRecorder(client, worker.taskQueue, 5000).record({ ...spec, backend }, revision, {
    source: 'api',
    receivedAt: new Date().toISOString(),
  });
  const handle = client.workflow.getHandle(retrainWorkflowId(spec.name, revision));
  await eventually(() => handle.describe(), 30_000, `the run of ${revision}`);
  await handle.result().catch(() => undefined);
  return revision;
}

async function call(path: string): Promise<request.Response> {
  const res = await request(app).get(path);
  checker.check('get', path, res);
  return res;
}

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  client = await testClient();
  worker = await startWorker(unique('series'), {
    hubEndpoint: hub.url,
    hfToken: TEST_TOKEN,
    namespace: 'default',
    ...scratchDirs(),
  });
  folder = mkdtempSync(join(tmpdir(), 'series-dataset-'));
  gated = pipeline(unique('series'), { promotion: { metric: 'accuracy', direction: 'max', min_delta: 0.01 } });
  plain = pipeline(unique('series-plain'));
  checker = new OpenApiChecker(openApiDocument() as unknown as OpenApiDoc);
  app = createApp({
    pipelines: [gated, plain],
    webhookSecret: 'series-test-webhook-secret',
    recorder: new UpdateRecorder(client, worker.taskQueue, 5000),
    client,
    logger: createLogger('silent'),
    temporalTimeoutMs: 10_000,
    queryTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  for (const spec of [gated, plain])
    await client?.workflow
      .getHandle(pipelineWorkflowId(spec.name))
      .terminate('test over')
      .catch(() => undefined);
  await worker?.stop();
  await client?.connection.close();
  await hub?.stop();
});

test('404 for an unknown pipeline, 400 naming a bad query parameter', async () => {
  expect((await call('/api/pipelines/nope/metrics')).status).toBe(404);
  for (const query of ['limit=0', 'limit=501', 'limit=abc', 'other=1']) {
    const res = await call(`/api/pipelines/${gated.name}/metrics?${query}`);
    expect(res.status).toBe(400);
    const [issue] = (res.body as { issues: Array<{ path: string; message: string }> }).issues;
    expect(`${issue!.path} ${issue!.message}`).toContain(query.split('=')[0]);
  }
});

test('a pipeline with no run yet has an empty series, with its metric and gate', async () => {
  const res = await call(`/api/pipelines/${gated.name}/metrics`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    pipeline: gated.name,
    metric: 'accuracy',
    direction: 'max',
    gate: true,
    minDelta: 0.01,
    points: [],
    runsRead: 0,
    truncated: false,
  });
});

test('every trained model, oldest first: value, baseline, verdict, the model in service and the bar to beat', async () => {
  const first = await trainOnce(gated, 'a,pos', { accuracy: 0.8 });
  const better = await trainOnce(gated, 'a,pos\nb,neg', { accuracy: 0.85 });
  const barely = await trainOnce(gated, 'a,pos\nb,neg\nc,pos', { accuracy: 0.855 }); // +0.005: not enough
  const broken = await trainOnce(gated, 'a,pos\nb,neg\nc,pos\nd,neg', { accuracy: 0.99, exit: 3 });

  const series = (await call(`/api/pipelines/${gated.name}/metrics`)).body as MetricSeriesView;
  expect(
    series.points.map((p) => [p.revision, p.value, p.baseline, p.baselineRevision, p.verdict, p.inService]),
  ).toEqual([
    [first, 0.8, undefined, undefined, 'promoted', false],
    [better, 0.85, 0.8, first, 'promoted', true],
    [barely, 0.855, 0.85, better, 'not-promoted', false],
  ]);
  expect(series.points[2]!.reason).toContain('not promoted: accuracy 0.8550 vs 0.8500');
  expect(series.inService).toEqual({
    workflowId: retrainWorkflowId(gated.name, better),
    revision: better,
    value: 0.85,
  });
  expect(series.threshold).toBeCloseTo(0.86);
  expect(series).toMatchObject({ runsRead: 4, truncated: false });

  // The newest two runs only: the failed one trained nothing, and the model in service is older.
  const newest = (await call(`/api/pipelines/${gated.name}/metrics?limit=2`)).body as MetricSeriesView;
  expect(newest.points.map((p) => p.revision)).toEqual([barely]);
  expect(newest).toMatchObject({ runsRead: 2, truncated: true });
  expect(newest.inService).toBeUndefined();

  // The page's run rows read the same endings: the failed run says why, the others their verdict.
  const html = (await request(app).get('/')).text;
  const rowOf = (revision: string): string => {
    const start = html.indexOf(`data-workflow-id="${retrainWorkflowId(gated.name, revision)}"`);
    return html.slice(start, html.indexOf('</tr>', start));
  };
  expect(rowOf(broken)).toMatch(/failed: .*the trainer exited with code 3/);
  expect(rowOf(barely)).toContain(`not promoted: accuracy 0.8550 vs 0.8500 in service (${better.slice(0, 7)})`);
  expect(html).toContain('<svg class="chart-svg"');
});

test('without a gate the series is accuracy and every model is promoted; there is no bar', async () => {
  await trainOnce(plain, 'x,pos', { accuracy: 0.7 });
  const last = await trainOnce(plain, 'x,pos\ny,neg', { accuracy: 0.6 });
  const series = (await call(`/api/pipelines/${plain.name}/metrics`)).body as MetricSeriesView;
  expect(series).toMatchObject({ metric: 'accuracy', gate: false, inService: { revision: last, value: 0.6 } });
  expect(series.points.map((p) => [p.value, p.verdict])).toEqual([
    [0.7, 'promoted'],
    [0.6, 'promoted'],
  ]);
  expect(series.threshold).toBeUndefined();
  expect(series.minDelta).toBeUndefined();
});
