/**
 * The local backend on a real Temporal dev server: a trainer that follows the contract runs as a detached
 * process with its state on disk; the registry, the promotion gate, publishing and outgoing webhooks.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityDeps } from '../../src/activities';
import type { PipelineSpec } from '../../src/config/config-schema';
import { folderRevision } from '../../src/datasets/local-folder';
import {
  progressQuery,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type RetrainResult,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { FakeHub } from '../fakes/fake-hub';
import { datasetFolder, folderPipeline, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import {
  eventually,
  trainingChecks,
  scratchDirs,
  startWorker,
  testClient,
  unique,
  type RunningWorker,
} from '../helpers/temporal';
import { spawnWorker } from '../helpers/worker-process';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

let hub: FakeHub;
let client: Client;
let worker: RunningWorker;
let deps: ActivityDeps;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  client = await testClient();
  deps = {
    hubEndpoint: hub.url,
    hfToken: TEST_TOKEN,
    namespace: 'default',
    defaultTrainerCommand: TRAINER,
    ...scratchDirs(),
  };
  worker = await startWorker(unique('local'), deps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await hub?.stop();
});

function localPipeline(folder: string, overrides: Record<string, unknown> = {}): PipelineSpec {
  return folderPipeline('local', folder, {
    backend: { type: 'local', params: { seconds: 0.5 } },
    promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
    ...overrides,
  });
}

async function train(pipeline: PipelineSpec, revision?: string) {
  const rev = revision ?? (await folderRevision(pipeline.local_path!));
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, rev),
    taskQueue: worker.taskQueue,
    args: [{ pipeline, revision: rev, attempt: 1 }],
  });
}

const backend = (params: Record<string, unknown>) => ({ type: 'local', params });

test('a local folder is trained by a detached trainer: model, metrics and a model card in the registry, promoted', async () => {
  const pipeline = localPipeline(datasetFolder());
  const handle = await train(pipeline);
  const result: RetrainResult = await handle.result();

  const dir = join(deps.modelsDir, pipeline.name, result.revision);
  expect(result).toMatchObject({
    outcome: 'succeeded',
    metrics: { accuracy: 0.9, macro_f1: 0.85 },
    promotion: { promoted: true },
  });
  expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))).toMatchObject({ revision: result.revision });
  const card = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const fact of [pipeline.input_dataset, result.revision, 'tfidf-logreg', 'accuracy', '0.9000'])
    expect(card).toContain(fact);
  expect(readlinkSync(join(deps.modelsDir, pipeline.name, 'current'))).toBe(result.revision);
  const progress = await handle.query(progressQuery);
  expect(progress.logTail.join('\n')).toContain('epoch 5/5');
  expect(progress.timings).toHaveProperty('evaluating');
});

test('a worse model is not promoted: the run succeeds and says so with both numbers', async () => {
  const folder = datasetFolder();
  const good = localPipeline(folder, { backend: backend({ seconds: 0.2, accuracy: 0.9 }) });
  await (await train(good)).result();
  writeFileSync(join(folder, 'train.csv'), 'text,label\nworse,neg\n');
  const worse = { ...good, backend: { ...good.backend, params: { seconds: 0.2, accuracy: 0.7 } } } as PipelineSpec;
  const result = await (await train(worse)).result();

  expect(result.outcome).toBe('succeeded');
  expect(result.promotion).toMatchObject({ promoted: false, candidate: 0.7, current: 0.9 });
  expect(result.message).toContain('not promoted: accuracy 0.7000 vs 0.9000');
  const current = readlinkSync(join(deps.modelsDir, good.name, 'current'));
  expect(current).not.toBe(result.revision);
});

test('cancellation kills the trainer and compensates', async () => {
  const ledger = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'starts');
  const pipeline = localPipeline(datasetFolder(), { backend: backend({ seconds: 60, ledger }) });
  const handle = await train(pipeline);
  const pid = await eventually(
    () => (existsSync(ledger) ? Number(readFileSync(ledger, 'utf8').split(' ')[0]) : undefined),
    30_000,
    'the trainer',
  );
  expect(alive(pid)).toBe(true);

  await handle.cancel();
  const failure = await handle.result().catch((err: unknown) => err);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(alive(pid)).toBe(false);
  expect(await handle.query(progressQuery)).toMatchObject({ stage: 'compensated', outcome: 'cancelled' });
});

test('a trainer that fails fails the run with its last output lines', async () => {
  const pipeline = localPipeline(datasetFolder(), { backend: backend({ seconds: 0.2, exit: 3 }) });
  const handle = await train(pipeline);
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const progress = await handle.query(progressQuery);
  expect(progress.error).toMatch(/the trainer exited with code 3: .*failing on purpose/);
});

test('the outgoing webhook is retried until the receiver takes it, and carries a Slack-compatible text', async () => {
  const received: Array<{ body: Record<string, unknown>; key: string | undefined }> = [];
  let calls = 0;
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls += 1;
      if (calls <= 2) {
        res.writeHead(503, { 'retry-after': '1' }).end('busy');
        return;
      }
      received.push({
        body: JSON.parse(body) as Record<string, unknown>,
        key: req.headers['idempotency-key'] as string | undefined,
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const pipeline = localPipeline(datasetFolder(), {
      notify: { webhook_url: url },
      backend: backend({ seconds: 0.2 }),
    });
    const handle = await train(pipeline);
    await handle.result();
    expect(calls).toBe(3);
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toMatchObject({
      event: 'succeeded',
      pipeline: pipeline.name,
      promotion: { promoted: true },
    });
    expect(received[0]!.body.text).toContain(`${pipeline.name} retrained on`);
    expect(received[0]!.key).toBe(`${handle.workflowId}:succeeded`);
  } finally {
    receiver.close();
  }
});

test("a promoted model is published to the pipeline's Hub model repo", async () => {
  const repo = `${TEST_USER}/${unique('published')}`;
  const pipeline = localPipeline(datasetFolder(), { publish: { repo }, backend: backend({ seconds: 0.2 }) });
  const result = await (await train(pipeline)).result();
  expect(result.links.model).toBe(`${hub.url}/${repo}`);
  const file = (path: string) => hub.repos.file('model', repo, path)?.toString('utf8');
  expect(file('model.json')).toContain(result.revision);
  expect(file('README.md')).toContain('# ');
  expect(JSON.parse(file('metrics.json') ?? '{}')).toMatchObject({ accuracy: 0.9 });
});

test('the dataset is frozen at its revision: editing the folder during training does not change what trains', async () => {
  const folder = datasetFolder();
  const pipeline = localPipeline(folder, { backend: backend({ seconds: 1 }) });
  const revision = await folderRevision(folder);
  const handle = await train(pipeline, revision);
  await eventually(async () => ((await handle.query(progressQuery)).stage === 'training' ? true : undefined));
  mkdirSync(join(folder, 'extra'));
  writeFileSync(join(folder, 'extra', 'more.csv'), 'text,label\nnew,pos\n');
  await handle.result();
  expect(await folderRevision(join(deps.stateDir, 'datasets', revision))).toBe(revision);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a worker killed mid-training: the trainer keeps running, a new worker finds it, one trainer process in all', async () => {
  const taskQueue = unique('local-crash');
  const env = { HF_ENDPOINT: hub.url, RETRAIN_STATE_DIR: deps.stateDir, RETRAIN_MODELS_DIR: deps.modelsDir };
  const ledger = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'starts');
  const pipeline = localPipeline(datasetFolder(), {
    backend: { type: 'local', command: TRAINER, params: { seconds: 6, ledger } },
  });
  const revision = await folderRevision(pipeline.local_path!);
  const first = await spawnWorker(taskQueue, env);
  try {
    const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
      workflowId: retrainWorkflowId(pipeline.name, revision),
      taskQueue,
      args: [{ pipeline, revision, attempt: 1 }],
    });
    await eventually(
      async () => ((await trainingChecks(client, handle.workflowId))?.checks ?? 0) >= 1 || undefined,
      60_000,
      'a status check',
    );
    await eventually(() => (existsSync(ledger) ? true : undefined), 30_000, 'the trainer');
    await first.kill9();
    const trainerPid = Number(readFileSync(ledger, 'utf8').split(' ')[0]);
    expect(alive(trainerPid)).toBe(true); // the trainer outlived its worker

    const second = await spawnWorker(taskQueue, env);
    try {
      const result = await handle.result();
      expect(result.outcome).toBe('succeeded');
      expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
