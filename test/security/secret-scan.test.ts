/**
 * The webhook secret and the Hub token never leave the process: the real service (receiver + worker, in
 * its own process, logging at debug) handles deliveries on a success path and a failure-and-compensation
 * path; then its logs, every workflow history, memo and search attribute, and every answer it gave are
 * searched for the secret values (plain, base64 and URL-encoded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { eventually, testAddress, testBundlePath, testClient, unique } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');
const TOKEN = `hf_scan${unique('token').replace(/-/g, '')}SECRETVALUE`;
const SECRET = `scan-secret-${unique('s')}-do-not-leak`;
const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8');

let hub: FakeHub;
let autotrain: FakeAutotrain;
let client: Client;
let service: ChildProcess | undefined;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TOKEN, { name: 'acme' }).start();
  hub.addDataset('acme/product-images', {
    commits: ['1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d'],
  });
  autotrain = await new FakeAutotrain(hub).start();
  autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 300 };
  client = await testClient();
});

afterAll(async () => {
  if (service?.exitCode === null) service.kill('SIGKILL');
  await client?.connection.close();
  await autotrain?.stop();
  await hub?.stop();
});

function forms(value: string): string[] {
  return [
    value,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

test('no log line, history, memo, search attribute or HTTP answer contains the webhook secret or the Hub token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-scan-'));
  const ok = unique('scan-ok');
  const broken = unique('scan-broken');
  autotrain.scripts.set(broken, { outcome: 'runtime-error', buildMs: 50, runMs: 200 });
  const base = {
    target_namespace: 'acme',
    input_dataset: 'acme/product-images',
    input_model: 'microsoft/resnet-50',
    poll_interval_seconds: 1,
  };
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      pipelines: [
        { ...base, name: ok },
        { ...base, name: broken },
      ],
    }),
  );
  const taskQueue = unique('scan');
  service = spawn(process.execPath, [join(ROOT, 'bin', 'hub-retrain.js'), 'start'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: testBundlePath(),
      WEBHOOK_SECRET: SECRET,
      HF_TOKEN: TOKEN,
      HF_ENDPOINT: hub.url,
      AUTOTRAIN_API_URL: autotrain.url,
      RETRAIN_CONFIG: join(dir, 'config.json'),
      RETRAIN_STATE_DIR: join(dir, '.data'),
      PORT: '0',
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  service.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
  service.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
  const url = await eventually(() => /Receiver\s+(http:\/\/localhost:\d+)/.exec(logs)?.[1], 90_000, 'the service');

  const answers: string[] = [];
  const post = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: FIXTURE,
    });
    answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    return res.status;
  };
  expect(await post('/webhook', { 'x-webhook-secret': SECRET })).toBe(202);
  expect(await post(`/webhook?secret=${encodeURIComponent(SECRET)}`, {})).toBe(202);
  expect(await post('/webhook', { 'x-webhook-secret': `${SECRET}x` })).toBe(403);
  for (const path of ['/', '/healthz', '/readyz']) {
    const res = await fetch(`${url}${path}`);
    answers.push(await res.text());
  }

  // Both pipelines finish: one succeeds, one fails and compensates.
  const titles = () => hub.discussionsOf('dataset', 'acme/product-images').map((d) => d.title);
  await eventually(
    () =>
      titles().some((t) => t.includes(`${ok} retrained`)) && titles().some((t) => t.includes(`${broken} failed`))
        ? true
        : undefined,
    90_000,
    'both outcomes',
  );

  const exported: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
    exported.push(historyToJSON(await handle.fetchHistory()));
    const description = await handle.describe();
    exported.push(JSON.stringify(description.memo ?? {}), JSON.stringify(description.typedSearchAttributes.getAll()));
  }
  expect(exported.length).toBeGreaterThanOrEqual(4 * 3);
  const haystack = [logs, ...answers, ...exported].join('\n');
  expect(logs).toContain('webhook recorded'); // the scan saw real log output
  for (const needle of [...forms(TOKEN), ...forms(SECRET)]) expect(haystack).not.toContain(needle);
  // The discussions the Hub received carry no secret either.
  const discussions = hub
    .discussionsOf('dataset', 'acme/product-images')
    .map((d) => `${d.title}\n${d.description}`)
    .join('\n');
  for (const needle of [...forms(TOKEN), ...forms(SECRET)]) expect(discussions).not.toContain(needle);
});

test("the checked-in histories of every workflow path hold neither the tests' token nor a secret", () => {
  const dir = join(ROOT, 'test', 'replay', 'histories');
  const text = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  expect(text.length).toBeGreaterThan(10_000);
  expect(text).not.toMatch(/hf_test_write_token/);
  expect(text).not.toContain(Buffer.from('hf_test_write_token').toString('base64').slice(0, 16));
});
