/**
 * The AutoTrain backend step by step (no Temporal) against the strict fake AutoTrain server and the fake Hub:
 * the column mapping AutoTrain requires, the exact revision it trains, stopping through the Hub, and what it
 * says when the training Space is gone or hidden.
 */
import { AutotrainBackend, autotrainProjectName } from '../../src/backends/autotrain/autotrain-backend';
import type { RunContext } from '../../src/backends/types';
import { PermanentBackendError } from '../../src/errors';
import { HttpError } from '../../src/http/http-error';
import { HubClient } from '../../src/hub/hub-client';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub, TINY_PNG } from '../fakes/fake-hub';
import type { FileContent } from '../fakes/fake-repos';
import { backendOptions, pipelineSpec, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, scratchDirs, unique } from '../helpers/temporal';

let hub: FakeHub;
let autotrain: FakeAutotrain;
/** The backend for a run's pipeline, as createBackends makes it. */
let backend: (run: RunContext) => AutotrainBackend;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  autotrain = await new FakeAutotrain(hub).start();
  backend = backendWith(TEST_TOKEN);
});

afterAll(async () => {
  await autotrain?.stop();
  await hub?.stop();
});

function backendWith(
  token: string,
  stopPolicy = { pauses: 2, checks: 3, checkEveryMs: 50 },
): (run: RunContext) => AutotrainBackend {
  const hubClient = new HubClient({ endpoint: hub.url, token });
  const deps = { hub: hubClient, hfToken: token, autotrainApiUrl: autotrain.url, stopPolicy, ...scratchDirs() };
  return (run) => new AutotrainBackend(deps, backendOptions(run.pipeline, 'autotrain'));
}

/** A run of a fresh pipeline on a fresh dataset holding `files`. */
function runOn(files?: Record<string, FileContent>, overrides: Record<string, unknown> = {}): RunContext {
  const dataset = `${TEST_USER}/${unique('data')}`;
  hub.addDataset(dataset, files ? { files } : {});
  const pipeline = pipelineSpec({ dataset }, overrides);
  return { pipeline, revision: hub.head(dataset), attempt: 1 };
}

async function prepare(run: RunContext, b = backend) {
  const project = await b(run).createProject(run);
  const data = await b(run).addData(run, project);
  return { project, data };
}

async function startRun(run: RunContext, b = backend) {
  const { project, data } = await prepare(run, b);
  return { project, data, job: await b(run).start(run, project, data) };
}

const projectOf = (run: RunContext) => autotrain.projects.get(autotrainProjectName(run))!;

describe('column_mapping (required by AutoTrain for image and text classification)', () => {
  test('images in <split>/<label>/ folders: image and label, said in the run and sent to AutoTrain', async () => {
    const run = runOn();
    const { data } = await startRun(run);

    expect(JSON.parse(data.detail!.column_mapping!)).toEqual({ image_column: 'image', target_column: 'label' });
    expect(data.detail!.column_mapping_from).toBe('image folders (<split>/<label>/<image>)');
    expect(projectOf(run).body.column_mapping).toEqual({ image_column: 'image', target_column: 'label' });
  });

  test('a CSV of reviews: the text and label columns by the trainers’ names', async () => {
    const run = runOn(
      { 'train.csv': 'id,review,sentiment\n1,great,pos\n2,awful,neg\n' },
      { task: 'text-classification', input_model: 'distilbert/distilbert-base-uncased' },
    );
    const { data } = await startRun(run);
    expect(JSON.parse(data.detail!.column_mapping!)).toEqual({ text_column: 'review', target_column: 'sentiment' });
    expect(data.detail!.column_mapping_from).toBe('train.csv');
  });

  test("the card's dataset_info.features name the columns when it declares them", async () => {
    const readme = [
      '---',
      'dataset_info:',
      '  features:',
      '  - name: picture',
      '    dtype: image',
      '  - name: labels',
      '    dtype:',
      '      class_label:',
      '        names:',
      "          '0': cat",
      "          '1': dog",
      '---',
      '# pets',
    ].join('\n');
    const run = runOn({ 'README.md': readme, 'data/train-00000-of-00001.parquet': 'PAR1' });
    const { data } = await prepare(run);
    expect(JSON.parse(data.detail!.column_mapping!)).toEqual({ image_column: 'picture', target_column: 'labels' });
    expect(data.detail!.column_mapping_from).toBe('the dataset card (dataset_info.features)');
  });

  test('columns that cannot be mapped fail addData, naming the columns found', async () => {
    const run = runOn({ 'train.csv': 'a,b\n1,2\n' });
    const failure = await prepare(run).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentBackendError);
    expect((failure as Error).message).toContain('columns found: "a", "b" (read from train.csv)');
    expect((failure as Error).message).toContain('backend.column_mapping');
  });

  test('a configured column_mapping is sent as it is, and one naming a missing column fails addData', async () => {
    const files = { 'train.csv': 'photo,kind\nx.png,cat\n', 'x.png': TINY_PNG };
    const mapping = { image_column: 'photo', target_column: 'kind' };
    const good = runOn(files, { backend: { type: 'autotrain', column_mapping: mapping } });
    const { data } = await startRun(good);
    expect(data.detail!.column_mapping_from).toBe('backend.column_mapping');
    expect(projectOf(good).body.column_mapping).toEqual(mapping);

    const bad = runOn(files, {
      backend: { type: 'autotrain', column_mapping: { ...mapping, target_column: 'label' } },
    });
    await expect(prepare(bad)).rejects.toThrow('names target_column "label", but');
  });
});

describe('AutoTrain trains exactly the run’s revision', () => {
  test('start stages the revision in a dataset of the run’s own, which AutoTrain reads; it goes when the run ends', async () => {
    const run = runOn();
    const at = hub.repos.head('dataset', run.pipeline.input_dataset);
    const { job, data } = await startRun(run);
    const staging = data.detail!.staging_dataset!;

    expect(projectOf(run).body.hub_dataset).toBe(staging);
    expect(hub.repos.get('dataset', staging)?.private).toBe(true);
    expect(filesOf(hub.repos.head('dataset', staging).files)).toEqual(filesOf(at.files));

    // A retried start stages nothing again.
    const commits = hub.repos.get('dataset', staging)!.commits.length;
    await backend(run).start(run, (await prepare(run)).project, data);
    expect(hub.repos.get('dataset', staging)!.commits).toHaveLength(commits);

    await eventually(async () => ((await backend(run).status(run, job)).state === 'succeeded' ? true : undefined));
    expect(filesOf(projectOf(run).read!.files)).toEqual(filesOf(at.files));
    expect(hub.repos.has('dataset', staging)).toBe(false);
  });

  test('main moving after addData (before start) does not change what is trained', async () => {
    const run = runOn();
    const at = hub.repos.head('dataset', run.pipeline.input_dataset);
    const { project, data } = await prepare(run);
    hub.commitFiles('dataset', run.pipeline.input_dataset, { 'train/bird/0.png': TINY_PNG });
    const job = await backend(run).start(run, project, data);

    await eventually(async () => ((await backend(run).status(run, job)).state === 'succeeded' ? true : undefined));
    expect(filesOf(projectOf(run).read!.files)).toEqual(filesOf(at.files));
    expect(data.revision).toBe(at.sha);
  });
});

test('a create whose answer was lost after the Space existed: the retried start adopts that Space', async () => {
  const run = runOn();
  const { project, data } = await prepare(run);
  autotrain.loseCreateAnswers = 1;

  await expect(backend(run).start(run, project, data)).rejects.toMatchObject({ name: 'NetworkError' });
  const again = await backend(run).start(run, project, data); // what Temporal's retry does
  expect(again).toMatchObject({ jobId: projectOf(run).jobId, reused: true });
  expect(autotrain.projectsStartingWith(run.pipeline.autotrain_project_prefix)).toHaveLength(1);
});

describe('stopping a training through the Hub', () => {
  test('cancel pauses the Space through the Hub and sees it paused; AutoTrain’s stop_training is not relied on', async () => {
    const run = runOn(undefined, { name: unique('stop') });
    autotrain.scripts.set(run.pipeline.name, { outcome: 'hang', buildMs: 10 });
    const { job } = await startRun(run);
    await eventually(() => (hub.spaceStage(job.jobId) === 'RUNNING' ? true : undefined));

    await backend(run).cancel(run, job);
    expect(hub.spaceStage(job.jobId)).toBe('PAUSED');
    expect(autotrain.stopCalls).not.toContain(job.jobId);
    expect(await backend(run).stillRunning(run, job)).toBeUndefined();
  });

  test('a pause the Hub answers but does not carry out fails the stop (to be retried) and is reported', async () => {
    const run = runOn(undefined, { name: unique('sticky') });
    autotrain.scripts.set(run.pipeline.name, { outcome: 'hang', buildMs: 10 });
    const { job } = await startRun(run);
    await eventually(() => (hub.spaceStage(job.jobId) === 'RUNNING' ? true : undefined));
    hub.pausesIgnored.add(job.jobId);

    await expect(backend(run).cancel(run, job)).rejects.toMatchObject({ name: 'StopNotConfirmed' });
    expect(await backend(run).stillRunning(run, job)).toMatch(
      /^the training Space .* is still RUNNING: it could not be paused/,
    );
    hub.pausesIgnored.delete(job.jobId);
    await backend(run).cancel(run, job);
    expect(hub.spaceStage(job.jobId)).toBe('PAUSED');
  });

  test("a token that may not pause the Space gets the Hub's 403, not a silent success", async () => {
    const run = runOn(undefined, { name: unique('owned') });
    autotrain.scripts.set(run.pipeline.name, { outcome: 'hang', buildMs: 10 });
    const { job } = await startRun(run);
    hub.faults.add({ method: 'POST', path: `/api/spaces/${job.jobId}/pause`, status: 403, times: 1 });

    const failure = await backend(run)
      .cancel(run, job)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ status: 403 });
  });
});

describe('a training Space that is gone, or that the token cannot read', () => {
  test('a deleted Space: "the training Space no longer exists", not a raw 404', async () => {
    const run = runOn();
    const { job } = await startRun(run);
    hub.deleteSpace(job.jobId);

    const status = await backend(run).status(run, job);
    expect(status).toMatchObject({ state: 'failed', stage: 'MISSING', message: 'the training Space no longer exists' });
  });

  test('a Space the token cannot read is said to be so, not "missing"', async () => {
    const run = runOn();
    const { job } = await startRun(run);
    const stranger = `hf_stranger_token_${unique('x').replace('-', '')}`;
    hub.addToken(stranger, { name: 'someone-else' });

    const failure = await backendWith(stranger)(run)
      .status(run, job)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentBackendError);
    expect((failure as Error).message).toContain(`the token cannot read the Space ${job.jobId}`);

    const refused = await backendWith('hf_not_a_token_the_hub_knows_0000')(run)
      .status(run, job)
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/the token cannot read the Space .*401 Invalid credentials/);
  });
});

function filesOf(files: ReadonlyMap<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...files].map(([path, content]) => [path, content.toString('base64')]));
}
