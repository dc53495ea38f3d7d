/**
 * End to end, as a user runs it: the real CLI in its own process (receiver + worker), the fakes, and a
 * signed Hub fixture delivered over HTTP, ending with the announcement on the fake Hub's Community tab.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { CLI, freePort, killServices, processesMentioning, startService } from '../helpers/service-process';
import { eventually, testAddress, testBundlePath, unique } from '../helpers/temporal';

const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8');
const FIXTURE_SHA = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';

let hub: FakeHub;
let autotrain: FakeAutotrain;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  hub.addDataset('acme/product-images', { commits: ['1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', FIXTURE_SHA] });
  autotrain = await new FakeAutotrain(hub).start();
  autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 500 };
});

afterAll(async () => {
  killServices();
  await autotrain?.stop();
  await hub?.stop();
});

function writeConfig(dir: string, prefix: string): string {
  const path = join(dir, 'config.json');
  // The original Space's four-key config.json, unchanged.
  writeFileSync(
    path,
    JSON.stringify({
      target_namespace: 'acme',
      input_dataset: 'acme/product-images',
      input_model: 'microsoft/resnet-50',
      autotrain_project_prefix: prefix,
    }),
  );
  return path;
}

test('a signed Hub delivery over HTTP trains once and ends with the announcement on the Community tab', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-e2e-'));
  const prefix = unique('e2e');
  const secret = 'e2e-webhook-secret-123';
  const { url, stop, output } = await startService({
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_TASK_QUEUE: unique('e2e'),
    WORKFLOW_BUNDLE_PATH: testBundlePath(),
    WEBHOOK_SECRET: secret,
    RETRAIN_CONFIG: writeConfig(dir, prefix),
    RETRAIN_STATE_DIR: join(dir, '.data'),
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TEST_TOKEN,
    AUTOTRAIN_API_URL: autotrain.url,
    PORT: '0',
  });

  const deliver = () =>
    fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
      body: FIXTURE,
    });
  const first = await deliver();
  expect(first.status).toBe(202);
  expect(await first.json()).toMatchObject({
    processed: true,
    pipelines: [prefix],
    workflowIds: [`pipeline:${prefix}`],
    revision: FIXTURE_SHA,
  });
  // The Hub's Replay button: the same delivery again.
  expect((await deliver()).status).toBe(202);

  const announcement = await eventually(
    () =>
      hub
        .discussionsOf('dataset', 'acme/product-images')
        .find((d) => d.title.includes(`${prefix} retrained on 9f2c4e1`)),
    60_000,
    'the success announcement',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- service output ---\n${output()}`);
  });
  expect(announcement.description).toContain(`acme/autotrain-${prefix}-9f2c4e1`);
  expect(autotrain.projectsStartingWith(prefix)).toHaveLength(1);
  expect(await stop()).toBe(0);
});

test('npm start with no TEMPORAL_ADDRESS runs an embedded dev server with the Web UI, and readyz answers 200', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-quickstart-'));
  const [devPort, uiPort] = [await freePort(), await freePort()];
  const stateDir = join(dir, '.data');
  const { url, stop, output } = await startService({
    TEMPORAL_ADDRESS: '',
    WEBHOOK_SECRET: '',
    TEMPORAL_DEV_PORT: String(devPort),
    TEMPORAL_UI_PORT: String(uiPort),
    RETRAIN_CONFIG: writeConfig(dir, unique('qs')),
    RETRAIN_STATE_DIR: stateDir,
    PORT: '0',
  });
  const ready = await eventually(
    async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
    30_000,
    'readyz',
  );
  expect(ready).toBe(true);
  expect((await fetch(`http://localhost:${uiPort}/`)).status).toBe(200);
  // The banner says where the generated secret is kept, never the secret itself.
  const secret = readFileSync(join(stateDir, 'webhook-secret'), 'utf8').trim();
  expect(output()).toContain(`Webhook secret  kept in ${join(stateDir, 'webhook-secret')} (generated now)`);
  expect(output()).not.toContain(secret);
  expect(output()).toContain(`Temporal ${devPort} (TEMPORAL_DEV_PORT), Web UI ${uiPort} (TEMPORAL_UI_PORT)`);
  expect(existsSync(join(stateDir, 'temporal.db'))).toBe(true);
  expect(await stop()).toBe(0);
  // The embedded dev server ended with it.
  expect(processesMentioning(dir)).toEqual([]);
});

test('a config.json with a wrong value exits non-zero before listening, naming the key path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-badconfig-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      pipelines: [
        { target_namespace: 'acme', input_dataset: 'acme/x', input_model: 'm', backend: { type: 'autotrian' } },
      ],
    }),
  );
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { ...process.env, RETRAIN_CONFIG: path, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).not.toBe(0);
  expect(err).toContain('pipelines[0].backend.type');
});
