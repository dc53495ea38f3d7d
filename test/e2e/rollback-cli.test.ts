/**
 * `hub-retrain rollback` as a user types it, against a real receiver and worker on the dev server, with an
 * Inference Endpoint on the fake Endpoints API: it restores an earlier revision and says which model serves. The
 * serving API's answers are checked against the OpenAPI document.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging';
import { openApiDocument } from '../../src/server/api/openapi';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { progressQuery, type RetrainProgress } from '../../src/workflows/definitions';
import { FakeEndpoints } from '../fakes/fake-endpoints';
import { OpenApiChecker, type OpenApiDoc } from '../helpers/openapi';
import { runCli } from '../helpers/service-process';
import { launchChromium } from '../helpers/chromium';
import { pipelineSpec, TEST_USER, useWorkerStack } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

const ADMIN = 'admin-token-for-rollback-0123456789';
const stack = useWorkerStack('rollback-cli');
let endpoints: FakeEndpoints;
let receiver: Receiver;
const endpointName = unique('ep');
const overrides = {
  name: unique('served'),
  deploy: { type: 'endpoint', name: endpointName, api_url: '', smoke: { inputs: ['a cat'] } },
};
const checker = new OpenApiChecker(openApiDocument() as unknown as OpenApiDoc);

beforeAll(async () => {
  endpoints = await new FakeEndpoints(stack.fakes.hub).start();
  endpoints.updateMs = 100;
  overrides.deploy.api_url = endpoints.url;
  const before = `${TEST_USER}/${unique('before')}`;
  endpoints.addEndpoint({
    namespace: TEST_USER,
    name: endpointName,
    repository: before,
    revision: stack.fakes.hub.putFile('model', before, 'README.md', '# before\n'),
  });
  receiver = await startReceiver({
    client: stack.client,
    taskQueue: stack.worker.taskQueue,
    pipelines: [pipelineSpec(stack.fakes, overrides)],
    webhookSecret: 'secret-for-rollback-tests',
    port: 0,
    host: '127.0.0.1',
    adminToken: ADMIN,
    logger: createLogger('error', 'test', new Writable({ write: (_c, _e, done) => done() })),
    modelsDir: stack.fakes.activityDeps.modelsDir,
  });
});
afterAll(async () => {
  await receiver?.close();
  await endpoints?.stop();
});

const cli = (args: string[], adminToken = ADMIN) =>
  runCli([...args, '--url', `http://127.0.0.1:${receiver.port}`], { ADMIN_TOKEN: adminToken });

async function get(path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${receiver.port}${path}`);
  const body: unknown = await res.json();
  checker.check('GET', path, {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? '' },
    body,
  });
  return body;
}

async function deployedRun(revision?: string): Promise<RetrainProgress> {
  const handle = await stack.startRetrain(overrides, revision);
  await handle.result();
  return handle.query(progressQuery);
}

test('rollback restores the earlier revision, says which model serves, and the API shows who put it there', async () => {
  const first = await deployedRun();
  const second = await deployedRun(stack.fakes.hub.pushCommit(stack.fakes.dataset));
  const id = `${TEST_USER}/${endpointName}`;
  expect(endpoints.get(id)?.revision).toBe(second.deployment?.modelRevision);
  const runView = (await get(`/api/runs/${encodeURIComponent(`retrain:${second.pipeline}:${second.revision}`)}`)) as {
    deployment?: { health: string; rolledBack: boolean };
  };
  expect(runView.deployment).toMatchObject({ health: 'healthy', rolledBack: false });

  const ran = await cli(['rollback', first.pipeline, '--by', 'alice']);
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain(
    `(revision ${first.revision.slice(0, 7)}) serves again on the endpoint, put there by alice`,
  );
  expect(endpoints.get(id)?.revision).toBe(first.deployment?.modelRevision);
  const serving = (await get(`/api/pipelines/${first.pipeline}/serving`)) as {
    current: { revision: string; by: string; reason: string; since: string };
    history: Array<{ revision: string }>;
  };
  expect(serving.current).toMatchObject({ revision: first.revision, by: 'alice', reason: 'manual-rollback' });
  expect(serving.history[0]?.revision).toBe(second.revision);
  // The status page says the same, with the button that rolls back again.
  const page = await (await fetch(`http://127.0.0.1:${receiver.port}/`)).text();
  expect(page).toContain(`revision <code>${first.revision.slice(0, 7)}</code>) since`);
  expect(page).toContain('rolled back by hand by <code>alice</code>');
  expect(page).toContain(`data-rollback="${first.pipeline}">Roll back to ${second.revision.slice(0, 7)}</button>`);

  // --to puts a given revision back; one the registry does not have is refused, and nothing changes.
  expect((await cli(['rollback', first.pipeline, '--to', second.revision])).code).toBe(0);
  expect(endpoints.get(id)?.revision).toBe(second.deployment?.modelRevision);
  const refused = await cli(['rollback', first.pipeline, '--to', 'f00dfeed']);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('the registry has no model of');
  expect(endpoints.get(id)?.revision).toBe(second.deployment?.modelRevision);
});

test('one roll-back of a pipeline at a time: a second one while the first runs is refused (409)', async () => {
  const post = () =>
    fetch(`http://127.0.0.1:${receiver.port}/api/pipelines/${overrides.name}/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'bob' }),
    });
  const first = await post();
  const second = await post();
  const answers = [
    { status: first.status, body: (await first.json()) as { workflowId?: string; error?: string } },
    { status: second.status, body: (await second.json()) as { workflowId?: string; error?: string } },
  ];
  for (const a of answers)
    checker.check('POST', `/api/pipelines/${overrides.name}/rollback`, {
      ...a,
      headers: { 'content-type': 'application/json' },
    });
  expect(answers.map((a) => a.status)).toEqual([202, 409]);
  expect(answers[1]!.body.error).toMatch(/already running/);
  await eventually(async () => {
    const state = (await get(`/api/rollbacks/${encodeURIComponent(answers[0]!.body.workflowId!)}`)) as {
      status: string;
    };
    return state.status === 'running' ? undefined : state;
  });
});

test("the status page's Roll back button puts the model that served before back, with the admin token", async () => {
  const before = (await get(`/api/pipelines/${overrides.name}/serving`)) as {
    current: { revision: string };
    history: Array<{ revision: string; modelRevision?: string }>;
  };
  const target = before.history.find((e) => e.revision !== before.current.revision)!;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${receiver.port}/`);
    const button = page.locator(`button[data-rollback="${overrides.name}"]`);
    expect(await button.textContent()).toBe(`Roll back to ${target.revision.slice(0, 7)}`);
    await button.click();
    const input = page.locator('#token-dialog #token-input');
    await input.waitFor({ state: 'visible' });
    await input.fill(ADMIN);
    await page.keyboard.press('Enter');
    await page.locator('#decision-result', { hasText: `Roll-back of ${overrides.name} started` }).waitFor();
    await eventually(() =>
      endpoints.get(`${TEST_USER}/${endpointName}`)?.revision === target.modelRevision ? true : undefined,
    );
    await page.locator(`[data-serving="${overrides.name}"]`, { hasText: 'rolled back by hand' }).waitFor();
  } finally {
    await browser.close();
  }
});

test('a roll-back by hand while a run deploys is refused (409): the run ends as it began, the record agrees', async () => {
  const lease = join(stack.fakes.activityDeps.modelsDir, overrides.name, 'deploy-lease.json');
  endpoints.updateMs = 3_000; // the endpoint takes a while to serve the new revision: the run holds the lease
  try {
    const handle = await stack.startRetrain(overrides, stack.fakes.hub.pushCommit(stack.fakes.dataset));
    const planned = await eventually(async () => {
      const p: RetrainProgress = await handle.query(progressQuery);
      return p.deployment?.modelRevision ? p : undefined;
    });
    expect(existsSync(lease)).toBe(true);
    const res = await fetch(`http://127.0.0.1:${receiver.port}/api/pipelines/${overrides.name}/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'carol' }),
    });
    const body = (await res.json()) as { error?: string };
    checker.check('POST', `/api/pipelines/${overrides.name}/rollback`, {
      status: res.status,
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(409);
    expect(body.error).toContain(`a deploy of ${overrides.name} is under way (${handle.workflowId}`);
    const ran = await cli(['rollback', overrides.name, '--by', 'carol']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('is under way');

    await handle.result();
    const after = (await get(`/api/pipelines/${overrides.name}/serving`)) as {
      current: { revision: string; by: string; reason: string };
      history: Array<{ by: string }>;
    };
    // What the run deployed serves, put there by the run; no roll-back by carol ever ran; the lease is given back.
    expect(after.current).toMatchObject({ revision: planned.revision, by: handle.workflowId, reason: 'deploy' });
    expect([after.current, ...after.history].map((e) => e.by)).not.toContain('carol');
    expect(endpoints.get(`${TEST_USER}/${endpointName}`)?.revision).toBe(planned.deployment?.modelRevision);
    expect(existsSync(lease)).toBe(false);
  } finally {
    endpoints.updateMs = 100;
  }
});

test('rollback needs the admin token', async () => {
  const ran = await cli(['rollback', overrides.name], '');
  expect(ran.code).not.toBe(0);
  expect(ran.stderr).toContain('needs the admin token');
});
