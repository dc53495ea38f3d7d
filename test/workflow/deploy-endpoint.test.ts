/**
 * Deploying a promoted model to an Inference Endpoint, on the real dev server: RetrainWorkflow with the AutoTrain
 * fake (which pushes the model to the fake Hub), the deploy activities against the fake Endpoints API, and
 * RollbackWorkflow for a roll-back by hand.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ServingRecord } from '../../src/registry/serving';
import { renderServing } from '../../src/server/page/serving-panel';
import {
  progressQuery,
  ROLLBACK_WORKFLOW,
  rollbackWorkflowId,
  type Deployment,
  type RetrainProgress,
} from '../../src/workflows/definitions';
import type { RollbackWorkflow } from '../../src/workflows/rollback';
import { FakeEndpoints } from '../fakes/fake-endpoints';
import { pipelineSpec, TEST_TOKEN, TEST_USER, useWorkerStack } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

const stack = useWorkerStack('deploy');
let endpoints: FakeEndpoints;

beforeAll(async () => {
  endpoints = await new FakeEndpoints(stack.fakes.hub).start();
  endpoints.updateMs = 200;
});
afterAll(async () => {
  await endpoints?.stop();
});
afterEach(() => {
  endpoints.defaultBehaviour = {};
  endpoints.readOnlyTokens.clear();
});

/** A pipeline deploying to a fresh endpoint that serves a model of its own before the first deploy. */
function endpointPipeline(extraSmoke: Record<string, unknown> = {}) {
  const endpoint = unique('ep');
  const before = `${TEST_USER}/${unique('before')}`;
  const sha = stack.fakes.hub.putFile('model', before, 'README.md', '# before\n');
  endpoints.addEndpoint({ namespace: TEST_USER, name: endpoint, repository: before, revision: sha });
  const overrides = {
    name: unique('served'),
    deploy: {
      type: 'endpoint',
      name: endpoint,
      api_url: endpoints.url,
      ready_timeout: '2m',
      smoke: { inputs: ['a cat on a mat', 'a dog'], timeout: 10, ...extraSmoke },
    },
  };
  return { endpoint: `${TEST_USER}/${endpoint}`, before: { repository: before, revision: sha }, overrides };
}

async function runToEnd(overrides: Record<string, unknown>, revision?: string) {
  const handle = await stack.startRetrain(overrides, revision);
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  const progress: RetrainProgress = await handle.query(progressQuery);
  return { handle, failure, progress, deployment: progress.deployment! };
}

const serving = () => new ServingRecord(stack.fakes.activityDeps.modelsDir);
const registryCurrent = (pipeline: string) =>
  readlinkSync(join(stack.fakes.activityDeps.modelsDir, pipeline, 'current'));

test('a promotion points the endpoint at the exact revision of the new model and passes its smoke check', async () => {
  const { endpoint, overrides } = endpointPipeline();
  const { handle, failure, progress, deployment } = await runToEnd(overrides);

  expect(failure).toBeUndefined();
  expect(progress.stage).toBe('succeeded');
  expect(progress.timings.deploying).toBeDefined();
  const repository = deployment.repository!;
  const head = stack.fakes.hub.repos.head('model', repository).sha;
  expect(deployment).toMatchObject({ target: 'endpoint', health: 'healthy', modelRevision: head, rolledBack: false });
  expect(endpoints.get(endpoint)).toMatchObject({ repository, revision: head, state: 'running' });
  // One update, with the exact commit (never "main"); both smoke inputs answered by the new revision.
  expect(endpoints.updates.filter((u) => u.endpoint === endpoint)).toEqual([{ endpoint, repository, revision: head }]);
  expect(endpoints.inferences.filter((i) => i.endpoint === endpoint && i.revision === head)).toHaveLength(2);
  expect(deployment.smoke?.map((s) => s.input)).toEqual(['a cat on a mat', 'a dog']);
  // The registry says which model serves, since when and who put it there.
  expect(serving().current(progress.pipeline)).toMatchObject({
    revision: progress.revision,
    repository,
    modelRevision: head,
    by: handle.workflowId,
    reason: 'deploy',
  });
  const notice = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`${progress.pipeline} retrained`));
  expect(notice?.description).toContain(`| In service | endpoint at \`${head}\``);
});

test('a smoke check that fails rolls the endpoint back to the model that served before, and says so', async () => {
  const { endpoint, overrides } = endpointPipeline({ labels: ['LABEL_0'] });
  const first = await runToEnd(overrides);
  expect(first.deployment.health).toBe('healthy');

  endpoints.defaultBehaviour = { answer: 'nonsense' }; // the next model answers with a label it does not have
  const revision = stack.fakes.hub.pushCommit(stack.fakes.dataset);
  const second = await runToEnd(overrides, revision);

  expect(second.failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (second.failure as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('DeployFailed');
  expect(cause.message).toContain(`rolled back to ${first.progress.revision.slice(0, 7)}`);
  expect(second.deployment).toMatchObject({
    health: 'failed',
    rolledBack: true,
    previous: { revision: first.progress.revision, modelRevision: first.deployment.modelRevision },
  });
  expect(second.deployment.error).toMatch(/SmokeCheckFailed|not one of the model's labels/);
  // The endpoint serves the first model again; the registry and serving record agree.
  expect(endpoints.get(endpoint)).toMatchObject({
    repository: first.deployment.repository,
    revision: first.deployment.modelRevision,
  });
  expect(serving().current(first.progress.pipeline)).toMatchObject({
    revision: first.progress.revision,
    reason: 'rollback',
    by: second.handle.workflowId,
  });
  expect(registryCurrent(first.progress.pipeline)).toBe(first.progress.revision);
  // The status page's "In service" line says which model serves again, and why.
  const panel = renderServing(first.progress.pipeline, 'endpoint', serving().read(first.progress.pipeline), true);
  expect(panel).toContain(`revision <code>${first.progress.revision.slice(0, 7)}</code>`);
  expect(panel).toContain(`put back when a newer model failed its checks by <code>${second.handle.workflowId}</code>`);
  // Announced on the Community tab, once, with the roll-back.
  const notices = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .filter((d) => d.title.includes(`${first.progress.pipeline} failed`));
  expect(notices).toHaveLength(1);
  expect(notices[0]!.description).toContain('**Rolled back** to the model that served before');
});

test('rollback by hand puts the earlier model back, and --to puts a given one back', async () => {
  const { endpoint, overrides } = endpointPipeline();
  const first = await runToEnd(overrides);
  const second = await runToEnd(overrides, stack.fakes.hub.pushCommit(stack.fakes.dataset));
  expect(endpoints.get(endpoint)?.revision).toBe(second.deployment.modelRevision);
  const pipeline = pipelineSpec(stack.fakes, overrides);

  const rollback = (to?: string) =>
    stack.client.workflow.execute<typeof RollbackWorkflow>(ROLLBACK_WORKFLOW, {
      workflowId: rollbackWorkflowId(pipeline.name),
      taskQueue: stack.worker.taskQueue,
      args: [{ pipeline, to, by: 'alice' }],
    });
  const back: Deployment = await rollback();
  expect(back).toMatchObject({ health: 'healthy', revision: first.progress.revision, by: 'alice' });
  expect(endpoints.get(endpoint)?.revision).toBe(first.deployment.modelRevision);
  const announced = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title === `↩️ [hub-retrain] ${pipeline.name} rolled back to ${first.progress.revision.slice(0, 7)}`);
  expect(announced?.description).toContain('**alice** rolled the');
  expect(announced?.description).toContain(`It serves again on the endpoint at \`${first.deployment.modelRevision}\``);
  expect(serving().current(pipeline.name)).toMatchObject({
    revision: first.progress.revision,
    by: 'alice',
    reason: 'manual-rollback',
  });

  await rollback(second.progress.revision);
  expect(endpoints.get(endpoint)?.revision).toBe(second.deployment.modelRevision);
  expect(registryCurrent(pipeline.name)).toBe(second.progress.revision);
});

test('a roll-back started while a run deploys waits for the run to end (the deploy lease), then rolls back', async () => {
  const { endpoint, overrides } = endpointPipeline();
  const first = await runToEnd(overrides);
  endpoints.updateMs = 3_000;
  try {
    const handle = await stack.startRetrain(overrides, stack.fakes.hub.pushCommit(stack.fakes.dataset));
    const planned = await eventually(async () => {
      const p: RetrainProgress = await handle.query(progressQuery);
      return p.deployment?.modelRevision ? p : undefined;
    });
    // The new model is not `current` before the endpoint serves it.
    expect(registryCurrent(overrides.name)).toBe(first.progress.revision);
    const pipeline = pipelineSpec(stack.fakes, overrides);
    // Started behind the receiver's back (which would refuse it): its plan is retried until the run gives the lease back.
    const back: Deployment = await stack.client.workflow.execute<typeof RollbackWorkflow>(ROLLBACK_WORKFLOW, {
      workflowId: rollbackWorkflowId(pipeline.name),
      taskQueue: stack.worker.taskQueue,
      args: [{ pipeline, to: first.progress.revision, by: 'alice' }],
    });
    expect(await handle.result().then(() => 'succeeded')).toBe('succeeded');
    expect(back).toMatchObject({ health: 'healthy', revision: first.progress.revision });
    expect(back.previous).toMatchObject({
      revision: planned.revision,
      modelRevision: planned.deployment!.modelRevision,
    });
    const file = serving().read(pipeline.name)!;
    expect(file.current).toMatchObject({ revision: first.progress.revision, by: 'alice', reason: 'manual-rollback' });
    expect(file.history[0]).toMatchObject({ revision: planned.revision, by: handle.workflowId, reason: 'deploy' });
    expect(endpoints.get(endpoint)?.revision).toBe(first.deployment.modelRevision);
  } finally {
    endpoints.updateMs = 200;
  }
});

test('an endpoint that scales to zero serves the new revision once the smoke check wakes it (its 503s retried)', async () => {
  const { endpoint, overrides } = endpointPipeline();
  endpoints.get(endpoint)!.scaleToZero = true;
  const { failure, deployment } = await runToEnd(overrides);
  expect(failure).toBeUndefined();
  expect(deployment).toMatchObject({ health: 'healthy', state: 'scaledToZero' });
  const answered = endpoints.inferences.filter((i) => i.endpoint === endpoint).map((i) => i.status);
  expect(answered[0]).toBe(503); // woken by the first smoke request
  expect(answered.filter((status) => status === 200)).toHaveLength(2);
  expect(endpoints.get(endpoint)?.state).toBe('running');
});

test('a smoke check that times out rolls the endpoint back, within the smoke check time', async () => {
  const { endpoint, before, overrides } = endpointPipeline({ timeout: 1 });
  const smokeOneInput = { ...overrides, deploy: { ...overrides.deploy, smoke: { inputs: ['a cat'], timeout: 1 } } };
  endpoints.defaultBehaviour = { delayMs: 5_000 };
  const { failure, deployment } = await runToEnd(smokeOneInput);
  const message = ((failure as WorkflowFailedError).cause as ApplicationFailure).message;
  expect(message).toMatch(/^deploy failed: smokeCheckDeployment: .*(timeout|aborted)/i);
  expect(message).toContain('rolled back to the model that served before (external)');
  expect(deployment).toMatchObject({ health: 'failed', rolledBack: true });
  // Each attempt gave up after the smoke timeout (1 s), not the model's 5 s; the endpoint serves what it served.
  expect(endpoints.inferences.filter((i) => i.endpoint === endpoint && i.status === 200)).toHaveLength(0);
  expect(endpoints.get(endpoint)).toMatchObject(before);
  // The registry names what serves: the model from before (external), not the one that failed; `current` never moved.
  expect(serving().current(smokeOneInput.name)).toMatchObject({ revision: 'external', reason: 'rollback' });
  expect(existsSync(join(stack.fakes.activityDeps.modelsDir, smokeOneInput.name, 'current'))).toBe(false);
});

test('an endpoint that does not exist fails the deploy before anything changes', async () => {
  const { overrides } = endpointPipeline();
  const missing = { ...overrides, deploy: { ...overrides.deploy, name: unique('nowhere') } };
  const { failure, deployment } = await runToEnd(missing);
  const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('DeployFailed');
  expect(cause.message).toMatch(/there is no Inference Endpoint acme\/nowhere-\w+ \(404\)/);
  expect(cause.message).toContain('nothing was changed');
  expect(deployment).toMatchObject({ health: 'failed', unchanged: true, rolledBack: false });
});

test('a token without write access changes nothing: the endpoint still serves what it served', async () => {
  const { endpoint, before, overrides } = endpointPipeline();
  endpoints.readOnlyTokens.add(TEST_TOKEN);
  const { failure, deployment } = await runToEnd(overrides);
  expect(((failure as WorkflowFailedError).cause as ApplicationFailure).message).toMatch(/needs write access/);
  expect(endpoints.get(endpoint)).toMatchObject({ ...before, state: 'running' });
  expect(((failure as WorkflowFailedError).cause as ApplicationFailure).message).toContain(
    'nothing was changed: the model in service still serves',
  );
  // Nothing changed, so nothing was rolled back: no roll-back is recorded, and the registry's current did not move.
  expect(deployment).toMatchObject({ health: 'failed', unchanged: true, rolledBack: false });
  expect(deployment.error).toMatch(/^applyDeployment: the token may not change/);
  expect(serving().read(overrides.name)).toBeUndefined();
  expect(existsSync(join(stack.fakes.activityDeps.modelsDir, overrides.name, 'current'))).toBe(false);
  const notice = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`${overrides.name} failed`));
  expect(notice?.description).toContain('Nothing was changed: the model in service still serves.');
  expect(notice?.description).not.toContain('Rolled back');
});

test('an update that ends in updateFailed says so and rolls the endpoint back', async () => {
  const { endpoint, before, overrides } = endpointPipeline();
  endpoints.defaultBehaviour = { updateFails: true }; // every new revision; the one from before loads
  endpoints.behaviours.set(before.revision, {});
  const { failure, deployment } = await runToEnd(overrides);
  const message = ((failure as WorkflowFailedError).cause as ApplicationFailure).message;
  expect(message).toMatch(/^deploy failed: awaitDeployment: the endpoint is updateFailed/);
  expect(message).toContain('rolled back to the model that served before (external)');
  expect(deployment).toMatchObject({ health: 'failed', rolledBack: true, previous: { revision: 'external' } });
  expect(endpoints.get(endpoint)).toMatchObject({ repository: before.repository, revision: before.revision });
});

test('a paused endpoint ends the wait at once with what to do, and its model is put back', async () => {
  const { endpoint, before, overrides } = endpointPipeline();
  endpoints.get(endpoint)!.state = 'paused';
  const { failure, deployment } = await runToEnd(overrides);
  const message = ((failure as WorkflowFailedError).cause as ApplicationFailure).message;
  expect(message).toContain('the endpoint is paused: resume it, then deploy again');
  expect(deployment.health).toBe('failed');
  // The endpoint is configured with what it served before again (it stays paused until someone resumes it).
  expect(endpoints.get(endpoint)).toMatchObject({ ...before, state: 'paused' });
  // Paused, it cannot be seen serving it: the record says so rather than claiming a roll-back.
  expect(deployment).toMatchObject({ rolledBack: false });
  expect(deployment.rollbackError).toContain('the endpoint is paused');
  expect(message).toContain('could not roll back');
});
