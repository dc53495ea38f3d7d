/**
 * The local predict endpoint (`POST /api/pipelines/:name/predict`) of a real receiver: it answers with the model in
 * service, and a promotion swaps the model with no failed request; a retrain run with `deploy: local`, on the real
 * dev server, waits until the receiver serves its model and smoke-checks it there.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config';
import { folderRevision } from '../../src/datasets/local-folder';
import { createLogger } from '../../src/logging';
import { ModelRegistry } from '../../src/registry/model-registry';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { progressQuery, RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { trainersCommand, runTrainerCommand } from '../../src/backends/trainer-process';
import { eventually, scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'datasets', 'product-reviews');
const quiet = new Writable({ write: (_c, _e, done) => done() });

let client: Client;
let receiver: Receiver;
let worker: RunningWorker;
let modelsDir: string;
let stateDir: string;
let dataset: string;
const name = unique('reviews');

/** A copy of the example reviews, so a test can change it (a new revision). */
function reviewsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reviews-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

const pipeline = () =>
  parseConfig({
    pipelines: [
      {
        name,
        target_namespace: 'local',
        input_dataset: `file:${dataset}`,
        input_model: 'tfidf-softmax-regression',
        task: 'text-classification',
        backend: { type: 'local', trainer: 'baseline' },
        deploy: { type: 'local', smoke: { inputs: ['Absolutely love it', 'Broke after a day'] } },
        poll_interval_seconds: 1,
      },
    ],
  })[0]!;

beforeAll(async () => {
  ({ modelsDir, stateDir } = scratchDirs());
  dataset = reviewsFolder();
  client = await testClient();
  receiver = await startReceiver({
    client,
    taskQueue: unique('serving'),
    pipelines: [pipeline()],
    webhookSecret: 'secret-for-serving-tests',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('error', 'test', quiet),
    modelsDir,
  });
  const url = `http://127.0.0.1:${receiver.port}`;
  worker = await startWorker(unique('serving'), {
    hubEndpoint: 'http://127.0.0.1:9',
    namespace: 'default',
    modelsDir,
    stateDir,
    receiverUrl: url,
  });
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await client?.connection.close();
});

const base = () => `http://127.0.0.1:${receiver.port}/api/pipelines/${name}`;

async function predict(
  inputs: string | string[],
): Promise<{ status: number; body: { revision?: string; predictions?: Array<{ label: string }>; error?: string } }> {
  const res = await fetch(`${base()}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** Trains the baseline into the registry as a run of `revision`, as the local backend would. */
async function trainInto(revision: string, params: Record<string, unknown> = {}): Promise<void> {
  const out = join(modelsDir, name, revision);
  await runTrainerCommand(trainersCommand('train'), {
    what: 'training a baseline',
    env: {
      ...process.env,
      RETRAIN_DATA_DIR: dataset,
      RETRAIN_OUTPUT_DIR: out,
      RETRAIN_TASK: 'text-classification',
      RETRAIN_BASE_MODEL: 'tfidf',
      RETRAIN_PARAMS: JSON.stringify(params),
    },
  });
}

test('before anything is promoted the endpoint says so; bad input names what was expected', async () => {
  const none = await predict('hello');
  expect(none.status).toBe(503);
  expect(none.body.error).toContain('has no model in service yet');
  const bad = await fetch(`${base()}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: 'typo' }),
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(await bad.json())).toContain('inputs');
  expect(
    (
      await fetch(`http://127.0.0.1:${receiver.port}/api/pipelines/nope/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"inputs":"x"}',
      })
    ).status,
  ).toBe(404);
});

test('a promotion swaps the model in service without a failed request', async () => {
  const registry = new ModelRegistry(modelsDir);
  await trainInto('rev-one', { epochs: 2 });
  await trainInto('rev-two', { epochs: 3 });
  registry.promote(name, 'rev-one');
  expect((await predict('love it')).body.revision).toBe('rev-one');

  // Four clients send requests back to back while `current` moves to rev-two.
  const seen: Array<{ status: number; revision?: string }> = [];
  let stop = false;
  const clients = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const { status, body } = await predict(['great value', 'terrible']);
      seen.push({ status, revision: body.revision });
    }
  });
  await eventually(() => (seen.length >= 20 ? true : undefined), 30_000, 'requests before the swap');
  registry.promote(name, 'rev-two');
  await eventually(() => (seen.some((s) => s.revision === 'rev-two') ? true : undefined), 60_000, 'the new model');
  const swappedAt = seen.length;
  await eventually(() => (seen.length >= swappedAt + 20 ? true : undefined), 30_000, 'requests after the swap');
  stop = true;
  await Promise.all(clients);

  expect(seen.filter((s) => s.status !== 200)).toEqual([]);
  expect(seen.some((s) => s.revision === 'rev-one')).toBe(true);
  // Once the new model answered, the old one never did again.
  const first = seen.findIndex((s) => s.revision === 'rev-two');
  expect(seen.slice(first + 4).every((s) => s.revision === 'rev-two')).toBe(true);
  const serving = (await (await fetch(`${base()}/serving`)).json()) as { local: { revision: string } };
  expect(serving.local.revision).toBe('rev-two');
});

test('a run with deploy "local" puts its model in service here and smoke-checks it', async () => {
  writeFileSync(
    join(dataset, 'train.csv'),
    readFileSync(join(dataset, 'train.csv'), 'utf8') + '9001,teapot,Lovely and sturdy,positive\n',
  );
  const spec = pipeline();
  const revision = await folderRevision(spec.local_path!);
  const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(spec.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline: spec, revision, attempt: 1 }],
  });
  await handle.result();
  const { deployment } = await handle.query(progressQuery);
  expect(deployment).toMatchObject({
    target: 'local',
    revision,
    health: 'healthy',
    rolledBack: false,
    previous: { revision: 'rev-two' },
  });
  expect(deployment?.smoke?.map((s) => s.input)).toEqual(['Absolutely love it', 'Broke after a day']);
  expect((await predict('love it')).body.revision).toBe(revision);
  const serving = (await (await fetch(`${base()}/serving`)).json()) as { current: { revision: string; by: string } };
  expect(serving.current).toMatchObject({ revision, by: handle.workflowId });
});
