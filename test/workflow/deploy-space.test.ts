/**
 * Deploying a promoted model to a Space, on the real dev server: the model revision set as a Space variable and
 * the Space restarted (the fake Hub's Space routes), RUNNING awaited, the Space's smoke URL checked; a Space that
 * fails to start with the new model is rolled back to the revision it ran before.
 */
import type { Client } from '@temporalio/client';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivityDeps } from '../../src/activities';
import { progressQuery, type RetrainProgress } from '../../src/workflows/definitions';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { FakeSpaceDeploy } from '../fakes/fake-space-deploy';
import { pipelineSpec, startRetrainRun, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let hub: FakeHub;
let spaces: FakeSpaceDeploy;
let autotrain: FakeAutotrain;
let client: Client;
let worker: RunningWorker;
let deps: ActivityDeps;
const dataset = `${TEST_USER}/${unique('images')}`;

beforeAll(async () => {
  hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER });
  spaces = new FakeSpaceDeploy(hub);
  spaces.restartMs = 200;
  await hub.start();
  hub.addDataset(dataset);
  autotrain = await new FakeAutotrain(hub).start();
  deps = {
    hubEndpoint: hub.url,
    hfToken: TEST_TOKEN,
    autotrainApiUrl: autotrain.url,
    namespace: 'default',
    ...scratchDirs(),
  };
  client = await testClient();
  worker = await startWorker(unique('space'), deps);
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  spaces?.stop();
  await autotrain?.stop();
  await hub?.stop();
});

function spacePipeline() {
  const space = `${TEST_USER}/${unique('demo')}`;
  hub.createSpace(space, 'RUNNING');
  const overrides = {
    name: unique('space'),
    deploy: {
      type: 'space',
      space,
      smoke_url: spaces.appUrl(space),
      ready_timeout: '2m',
      smoke: { inputs: ['a cat'] },
    },
  };
  return { space, spec: pipelineSpec({ dataset }, overrides) };
}

async function run(spec: ReturnType<typeof spacePipeline>['spec'], revision = hub.head(dataset)) {
  const handle = await startRetrainRun(client, worker.taskQueue, spec, revision);
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  const progress: RetrainProgress = await handle.query(progressQuery);
  return { failure, progress, deployment: progress.deployment! };
}

test('a promotion sets the model revision as a Space variable, restarts the Space, and smoke-checks it once RUNNING', async () => {
  const { space, spec } = spacePipeline();
  const { failure, deployment } = await run(spec);
  expect(failure).toBeUndefined();
  const head = hub.repos.head('model', deployment.repository!).sha;
  expect(deployment).toMatchObject({ target: 'space', health: 'healthy', modelRevision: head, state: 'RUNNING' });
  expect(spaces.variable(space, 'MODEL_REVISION')).toBe(head);
  expect(spaces.restarts.filter((s) => s === space)).toHaveLength(1);
  expect(hub.spaceStage(space)).toBe('RUNNING');
  expect(deployment.smoke).toEqual([{ input: 'a cat', label: 'LABEL_0' }]);
});

test('a Space that fails to start with the new model is rolled back to the revision it ran before', async () => {
  const { space, spec } = spacePipeline();
  const first = await run(spec);
  spaces.crashes = (revision) => revision !== first.deployment.modelRevision;
  try {
    const second = await run(spec, hub.pushCommit(dataset));
    expect(second.failure).toBeDefined();
    expect(second.progress.error).toMatch(/the Space is RUNTIME_ERROR: the app exited; rolled back to/);
    expect(second.deployment).toMatchObject({ health: 'failed', rolledBack: true });
    expect(spaces.variable(space, 'MODEL_REVISION')).toBe(first.deployment.modelRevision);
    expect(hub.spaceStage(space)).toBe('RUNNING');
    expect(spaces.restarts.filter((s) => s === space)).toHaveLength(3);
  } finally {
    spaces.crashes = () => false;
  }
});

test("a Space's first deploy that fails deletes the variable it set and restarts the Space: nothing half-deployed", async () => {
  const { space, spec } = spacePipeline();
  spaces.crashes = (revision) => revision !== undefined;
  try {
    const { failure, progress, deployment } = await run(spec);
    expect(failure).toBeDefined();
    expect(progress.error).toMatch(
      /the Space is RUNTIME_ERROR: the app exited; rolled back to the model that served before/,
    );
    expect(deployment).toMatchObject({ health: 'failed', rolledBack: true, previous: { revision: 'external' } });
    expect(spaces.variable(space, 'MODEL_REVISION')).toBeUndefined();
    expect(hub.spaceStage(space)).toBe('RUNNING');
    expect(spaces.restarts.filter((s) => s === space)).toHaveLength(2);
  } finally {
    spaces.crashes = () => false;
  }
});

test('a token without write access to the Space changes nothing, and says so', async () => {
  const { space, spec } = spacePipeline();
  spaces.readOnlyTokens.add(TEST_TOKEN);
  try {
    const { failure, progress, deployment } = await run(spec);
    expect(failure).toBeDefined();
    expect(progress.error).toMatch(/the token may not change the Space .* \(403\): it needs write access to it/);
    expect(progress.error).toContain('nothing was changed: the model in service still serves');
    expect(deployment).toMatchObject({ health: 'failed', unchanged: true, rolledBack: false });
    expect(spaces.variable(space, 'MODEL_REVISION')).toBeUndefined();
    expect(spaces.restarts.filter((s) => s === space)).toHaveLength(0);
  } finally {
    spaces.readOnlyTokens.clear();
  }
});

test('a Space that does not exist fails the deploy before anything changes', async () => {
  const { spec } = spacePipeline();
  const missing = `${TEST_USER}/${unique('nowhere')}`;
  const { failure, progress, deployment } = await run({
    ...spec,
    deploy: { ...spec.deploy!, space: missing } as typeof spec.deploy,
  });
  expect(failure).toBeDefined();
  expect(progress.error).toContain(`there is no Space ${missing} this token can see (404): fix deploy.space`);
  expect(deployment).toMatchObject({ health: 'failed', unchanged: true, rolledBack: false });
  expect(spaces.restarts).not.toContain(missing);
});

test('a Space whose smoke URL does not answer in time is rolled back to the revision it ran before', async () => {
  const { space, spec } = spacePipeline();
  const first = await run(spec);
  // A Space app that takes requests and never answers.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const slow = {
      ...spec,
      deploy: {
        ...spec.deploy!,
        smoke_url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/predict`,
        smoke: { inputs: ['a cat'], timeout: 1 },
      } as typeof spec.deploy,
    };
    const second = await run(slow, hub.pushCommit(dataset));
    expect(second.failure).toBeDefined();
    expect(second.progress.error).toMatch(/^deploy failed: smokeCheckDeployment: .*(timeout|aborted|timed out)/i);
    expect(second.deployment).toMatchObject({ health: 'failed', rolledBack: true });
    expect(spaces.variable(space, 'MODEL_REVISION')).toBe(first.deployment.modelRevision);
    expect(hub.spaceStage(space)).toBe('RUNNING');
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});
