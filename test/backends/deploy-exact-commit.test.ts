/**
 * A deploy puts in service the exact commit the run pushed or published, even when the model repo's main moved on
 * since (another push): the deploy activities against the fake Hub and the fake Endpoints API.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeployActivities, type DeployPlan } from '../../src/activities/deploy-activities';
import { parseConfig } from '../../src/config/load-config';
import { ModelRegistry } from '../../src/registry/model-registry';
import { FakeEndpoints } from '../fakes/fake-endpoints';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';

let hub: FakeHub;
let endpoints: FakeEndpoints;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  endpoints = await new FakeEndpoints(hub).start();
});
afterAll(async () => {
  await endpoints?.stop();
  await hub?.stop();
});

const REVISION = 'a'.repeat(40);

/** A registry run of REVISION, a model repo with two commits (the run's, then a later push), an endpoint. */
function setUp(name: string, backend: Record<string, unknown>, publish?: string) {
  const registry = new ModelRegistry(mkdtempSync(join(tmpdir(), 'registry-')));
  const repo = `${TEST_USER}/${name}`;
  const runs = hub.putFile('model', repo, 'config.json', '{"run": true}');
  const later = hub.putFile('model', repo, 'config.json', '{"later": true}');
  mkdirSync(registry.runDir(name, REVISION), { recursive: true });
  writeFileSync(join(registry.runDir(name, REVISION), 'metrics.json'), '{"accuracy": 0.9}');
  endpoints.addEndpoint({ namespace: TEST_USER, name: `${name}-ep`, repository: repo, revision: later });
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: TEST_USER,
        input_dataset: `${TEST_USER}/data`,
        input_model: 'distilbert/distilbert-base-uncased',
        backend,
        ...(publish ? { publish: { repo: publish } } : {}),
        deploy: {
          type: 'endpoint',
          name: `${name}-ep`,
          api_url: endpoints.url,
          repository: repo,
          smoke: { inputs: ['a review'] },
        },
      },
    ],
  });
  const activities = createDeployActivities({ hubEndpoint: hub.url, hfToken: TEST_TOKEN, registry });
  const plan = (): Promise<DeployPlan> =>
    new MockActivityEnvironment().run(
      (spec, revision) => activities.planDeployment(spec, revision),
      pipeline!,
      REVISION,
    );
  return { registry, repo, runs, later, plan, pipeline: pipeline! };
}

test('the commit a Jobs or AutoTrain run pushed is deployed, not the head of its repo', async () => {
  const { registry, repo, runs, later, plan } = setUp('pushed', { type: 'hf-jobs' });
  writeFileSync(
    join(registry.runDir('pushed', REVISION), 'model.json'),
    JSON.stringify({ model: repo, revision: runs }),
  );
  expect(runs).not.toBe(later);
  expect((await plan()).model).toEqual({ revision: REVISION, repository: repo, modelRevision: runs });
});

test('the commit a local model was published as is deployed, not the head of its repo', async () => {
  const { registry, repo, runs, plan } = setUp('published', { type: 'local' }, `${TEST_USER}/published`);
  registry.recordPublished('published', REVISION, repo, runs);
  expect((await plan()).model).toEqual({ revision: REVISION, repository: repo, modelRevision: runs });
});

test('with no commit recorded, the head of the repo is deployed (a model from before commits were recorded)', async () => {
  const { later, repo, plan } = setUp('unrecorded', { type: 'hf-jobs' });
  expect((await plan()).model).toEqual({ revision: REVISION, repository: repo, modelRevision: later });
});
