/**
 * AutoTrain as the real service behaves, on a real Temporal dev server with the strict fakes: the original
 * four-key config.json end to end (a Hub delivery to a trained model), the exact revision trained whatever main
 * does during the Space's build, and a stop that did not take said in the failure notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfigFile } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { startReceiver } from '../../src/server/serve';
import {
  approveSignal,
  pipelineWorkflowId,
  progressQuery,
  retrainWorkflowId,
  type RetrainResult,
} from '../../src/workflows/definitions';
import { TINY_PNG } from '../fakes/fake-hub';
import { useWorkerStack } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

const stack = useWorkerStack('autotrain-real');
const ROOT = join(__dirname, '..', '..');

const filesOf = (files: ReadonlyMap<string, Buffer>) =>
  Object.fromEntries([...files].map(([path, content]) => [path, content.toString('base64')]));

/** A gate the fake's Space build waits on, so the test acts while the Space is BUILDING. */
function buildGate(): { until: Promise<void>; open: () => void } {
  let open!: () => void;
  return { until: new Promise<void>((resolve) => (open = resolve)), open };
}

test('the original four-key config.json: a Hub delivery trains on AutoTrain with a column mapping, exactly once', async () => {
  const [pipeline] = loadConfigFile(join(ROOT, 'examples', 'configs', 'original-space.json'));
  const hub = stack.fakes.hub;
  hub.addDataset(pipeline!.input_dataset); // acme/product-images, images in train/<label>/ folders
  const sha = hub.head(pipeline!.input_dataset);
  const receiver = await startReceiver({
    client: stack.client,
    taskQueue: stack.worker.taskQueue,
    pipelines: [pipeline!],
    webhookSecret: 'original-space-secret',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 5000,
  });
  try {
    const delivery = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8'),
    ) as { repo: Record<string, unknown>; updatedRefs: Array<Record<string, unknown>> };
    delivery.repo.headSha = sha;
    delivery.updatedRefs[0]!.newSha = sha;
    const res = await fetch(`http://127.0.0.1:${receiver.port}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'original-space-secret' },
      body: JSON.stringify(delivery),
    });
    expect(res.status).toBe(202);

    const handle = stack.client.workflow.getHandle(retrainWorkflowId('product-images', sha));
    const result = await eventually(() => handle.result() as Promise<RetrainResult>, 120_000, 'the retrain');
    expect(result).toMatchObject({ outcome: 'succeeded', revision: sha });
    const [project, ...more] = stack.fakes.autotrain.projectsStartingWith('product-images');
    expect(more).toHaveLength(0);
    expect(project!.body).toMatchObject({
      task: 'image-classification',
      base_model: 'microsoft/resnet-50',
      username: 'acme',
      column_mapping: { image_column: 'image', target_column: 'label' },
      params: {},
    });
    expect(filesOf(project!.read!.files)).toEqual(filesOf(hub.repos.head('dataset', pipeline!.input_dataset).files));
    const notice = hub.discussionsOf('dataset', pipeline!.input_dataset).find((d) => d.title.includes('retrained'));
    expect(notice?.title).toContain(sha.slice(0, 7));
  } finally {
    await receiver.close();
    await stack.client.workflow
      .getHandle(pipelineWorkflowId('product-images'))
      .terminate('test over')
      .catch(() => undefined);
  }
});

describe('a push that moves main during an AutoTrain run', () => {
  test('during the Space build: the run names exactly the revision that was trained', async () => {
    const name = unique('building');
    const gate = buildGate();
    stack.fakes.autotrain.scripts.set(name, { outcome: 'success', buildMs: 10, buildUntil: gate.until, runMs: 200 });
    const { hub, dataset } = stack.fakes;
    const trained = hub.repos.head('dataset', dataset);
    const handle = await stack.startRetrain({ name }, trained.sha);

    const project = await eventually(() => {
      const p = stack.fakes.autotrain.projectsStartingWith(name)[0];
      return p && hub.spaceStage(p.jobId) === 'BUILDING' ? p : undefined;
    });
    const newer = hub.commitFiles('dataset', dataset, { 'train/bird/0.png': TINY_PNG }, 'a newer push');
    gate.open();

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'succeeded', revision: trained.sha });
    expect(project.read!.sha).not.toBe(newer);
    expect(filesOf(project.read!.files)).toEqual(filesOf(trained.files));
    const notice = hub.discussionsOf('dataset', dataset).find((d) => d.title.includes(`${name} retrained`));
    expect(notice?.title).toContain(trained.sha.slice(0, 7));
  });

  test('between addData and the start (while the run waits for approval): still the run’s revision', async () => {
    const name = unique('approving');
    const { hub, dataset } = stack.fakes;
    const trained = hub.repos.head('dataset', dataset);
    const handle = await stack.startRetrain({ name, approval: 'required' }, trained.sha);
    await eventually(async () =>
      (await handle.query(progressQuery)).stage === 'awaiting-approval' ? true : undefined,
    );

    hub.commitFiles('dataset', dataset, { 'train/fish/0.png': TINY_PNG }, 'a push during the approval');
    await handle.signal(approveSignal, { by: 'test' });

    expect(await handle.result()).toMatchObject({ outcome: 'succeeded', revision: trained.sha });
    const project = stack.fakes.autotrain.projectsStartingWith(name)[0]!;
    expect(filesOf(project.read!.files)).toEqual(filesOf(trained.files));
  });
});

test('a failed run whose Space could not be paused says so in its failure notice, not "stopped"', async () => {
  const name = unique('unstoppable');
  stack.fakes.autotrain.scripts.set(name, { outcome: 'runtime-error', buildMs: 50, runMs: 200 });
  const { hub, dataset } = stack.fakes;
  const refusal = { method: 'POST', path: /^\/api\/spaces\/.*\/pause$/, status: 403, times: 1000 };
  hub.faults.add(refusal);
  try {
    const handle = await stack.startRetrain({ name });
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);

    const progress = await handle.query(progressQuery);
    expect(progress.compensationErrors?.join('\n')).toMatch(/stop the training job: .*403/);
    const notice = hub.discussionsOf('dataset', dataset).find((d) => d.title.includes(`${name} failed`));
    expect(notice?.description).toContain(
      `**Not stopped:** the training Space ${progress.jobId} is still RUNTIME_ERROR`,
    );
    expect(notice?.description).not.toContain('was stopped and cleaned up');
  } finally {
    hub.faults.clear();
  }
});
