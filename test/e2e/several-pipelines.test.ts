/**
 * Several pipelines in one config, two of them on the same dataset (an image model and a second model on
 * the same data): one Hub delivery over HTTP starts both, the 202 lists both, and both train.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import type { PipelineView } from '../../src/server/api/api-schemas';
import { openApiDocument } from '../../src/server/api/openapi';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { pipelineWorkflowId } from '../../src/workflows/definitions';
import { OpenApiChecker, type OpenApiDoc } from '../helpers/openapi';
import { startFakes, TEST_USER, type FakeStack } from '../helpers/stack';
import { eventually, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const SECRET = 'several-pipelines-secret';

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let receiver: Receiver;
const names = [unique('resnet'), unique('vit'), unique('other')];

beforeAll(async () => {
  fakes = await startFakes();
  fakes.hub.addDataset(`${TEST_USER}/elsewhere`);
  client = await testClient();
  worker = await startWorker(unique('several'), fakes.activityDeps);
  const common = { target_namespace: TEST_USER, poll_interval_seconds: 1 };
  const pipelines = parseConfig({
    pipelines: [
      { ...common, name: names[0], input_dataset: fakes.dataset, input_model: 'microsoft/resnet-50' },
      { ...common, name: names[1], input_dataset: fakes.dataset, input_model: 'google/vit-base-patch16-224' },
      { ...common, name: names[2], input_dataset: `${TEST_USER}/elsewhere`, input_model: 'microsoft/resnet-50' },
    ],
  });
  receiver = await startReceiver({
    client,
    taskQueue: worker.taskQueue,
    pipelines,
    webhookSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 5000,
  });
});

afterAll(async () => {
  await receiver?.close();
  for (const name of names) {
    await client?.workflow
      .getHandle(pipelineWorkflowId(name))
      .terminate('test over')
      .catch(() => undefined);
  }
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

/** The Hub's fixture for a push to main, for this dataset and commit. */
function delivery(dataset: string, sha: string): string {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8'),
  ) as { repo: Record<string, unknown>; updatedRefs: Array<Record<string, unknown>> };
  fixture.repo.name = dataset;
  fixture.repo.headSha = sha;
  fixture.updatedRefs[0]!.newSha = sha;
  return JSON.stringify(fixture);
}

test('two pipelines on one dataset: one delivery starts both, the 202 lists both, and both train', async () => {
  const head = fakes.hub.pushCommit(fakes.dataset);
  const url = `http://127.0.0.1:${receiver.port}`;
  const res = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
    body: delivery(fakes.dataset, head),
  });
  const body: unknown = await res.json();
  new OpenApiChecker(openApiDocument() as unknown as OpenApiDoc).check('post', '/webhook', {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? undefined },
    body,
  });
  expect(res.status).toBe(202);
  expect(body).toEqual({
    processed: true,
    pipelines: [names[0], names[1]],
    workflowIds: [pipelineWorkflowId(names[0]!), pipelineWorkflowId(names[1]!)],
    revision: head,
  });

  const views = await eventually(
    async () => {
      const { pipelines } = (await (await fetch(`${url}/api/pipelines`)).json()) as { pipelines: PipelineView[] };
      return pipelines.filter((p) => p.lastResult?.outcome === 'succeeded').length === 2 ? pipelines : undefined;
    },
    60_000,
    'both pipelines to train',
  );
  for (const name of [names[0], names[1]]) {
    expect(views.find((p) => p.name === name)).toMatchObject({ lastResult: { revision: head, outcome: 'succeeded' } });
    expect(fakes.autotrain.projectsStartingWith(name!)).toHaveLength(1);
  }
  // The pipeline on another dataset was not started.
  expect(views.find((p) => p.name === names[2])).toMatchObject({ started: false });
  const announced = fakes.hub.discussionsOf('dataset', fakes.dataset).map((d) => d.title);
  expect(announced).toEqual(
    expect.arrayContaining([
      expect.stringContaining(`${names[0]} retrained on ${head.slice(0, 7)}`),
      expect.stringContaining(`${names[1]} retrained on ${head.slice(0, 7)}`),
    ]),
  );
});
