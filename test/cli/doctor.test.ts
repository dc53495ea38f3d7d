/**
 * `hub-retrain doctor` against the fakes: each misconfiguration it claims to detect is reported as a failure
 * with a fix, a healthy set-up passes, and the exit code and --json follow.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import Long from 'long';
import { runDoctor, type DoctorReport } from '../../src/cli/doctor';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, testAddress, testClient, unique } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');
let hub: FakeHub;
let autotrain: FakeAutotrain;
let client: Client;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  hub.addDataset('acme/images');
  autotrain = await new FakeAutotrain(hub).start();
  client = await testClient();
});

afterAll(async () => {
  await client?.connection.close();
  await autotrain?.stop();
  await hub?.stop();
});

/** A config with one autotrain pipeline and one local pipeline with the given trainer command. */
function writeConfig(options: { autotrainUrl: string; localCommand?: string[] }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-doctor-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      pipelines: [
        {
          name: 'images',
          target_namespace: TEST_USER,
          input_dataset: 'acme/images',
          input_model: 'microsoft/resnet-50',
          backend: { type: 'autotrain', api_url: options.autotrainUrl },
        },
        {
          name: 'reviews',
          target_namespace: 'local',
          input_dataset: `file:${join(ROOT, 'examples', 'datasets', 'product-reviews')}`,
          input_model: 'tfidf',
          task: 'text-classification',
          backend: { type: 'local', ...(options.localCommand ? { command: options.localCommand } : {}) },
        },
      ],
    }),
  );
  return path;
}

function healthyEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: testAddress(),
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TEST_TOKEN,
    RETRAIN_CONFIG: writeConfig({ autotrainUrl: autotrain.url }),
    ...overrides,
  };
}

const byName = (report: DoctorReport, check: string) => report.checks.filter((c) => c.check === check);
const only = (report: DoctorReport, check: string) => {
  const found = byName(report, check);
  expect(found).toHaveLength(1);
  return found[0]!;
};

test('a healthy set-up passes every check', async () => {
  const report = await runDoctor(healthyEnv());
  expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  expect(report.ok).toBe(true);
  expect(only(report, 'hub token').detail).toContain(`accepted for ${TEST_USER}, write`);
  expect(only(report, 'search attributes').detail).toContain('RetrainPipeline');
  expect(only(report, 'backend autotrain').detail).toContain('version 0.8.36');
  expect(only(report, 'backend local').status).toBe('ok');
});

test('a token the Hub rejects fails with a fix, and the token is never printed', async () => {
  const bad = 'hf_wrong_token_0000000000000000';
  const report = await runDoctor(healthyEnv({ HF_TOKEN: bad }));
  const token = only(report, 'hub token');
  expect(token).toMatchObject({ status: 'fail', detail: 'the Hub rejected HF_TOKEN (HTTP 401)' });
  expect(token.fix).toContain('huggingface.co/settings/tokens');
  expect(JSON.stringify(report)).not.toContain(bad);
  expect(report.ok).toBe(false);
});

test('an unreachable Temporal fails, naming the address, and skips the search attributes', async () => {
  const report = await runDoctor(healthyEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
  expect(only(report, 'temporal')).toMatchObject({ status: 'fail' });
  expect(only(report, 'temporal').detail).toContain('could not connect to Temporal at 127.0.0.1:1');
  expect(only(report, 'search attributes').status).toBe('skip');
});

test('a namespace without the search attributes fails with the commands that create them', async () => {
  const namespace = unique('ns');
  await client.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) },
  });
  await eventually(async () => ((await client.workflowService.describeNamespace({ namespace })) ? true : undefined));
  const report = await runDoctor(healthyEnv({ TEMPORAL_NAMESPACE: namespace }));
  const attributes = only(report, 'search attributes');
  expect(attributes.status).toBe('fail');
  expect(attributes.detail).toContain('RetrainPipeline, RetrainDataset, RetrainRevision, RetrainStage');
  expect(attributes.fix).toContain(
    `temporal operator search-attribute create --namespace ${namespace} --name RetrainStage --type Keyword`,
  );
});

test('an unreachable AutoTrain server and a missing trainer command each fail with a fix', async () => {
  const report = await runDoctor(
    healthyEnv({
      RETRAIN_CONFIG: writeConfig({ autotrainUrl: 'http://127.0.0.1:1', localCommand: ['no-such-trainer-xyz'] }),
    }),
  );
  const at = only(report, 'backend autotrain');
  expect(at.status).toBe('fail');
  expect(at.detail).toContain('http://127.0.0.1:1/api/version');
  expect(at.fix).toContain('AUTOTRAIN_API_URL');
  const local = only(report, 'backend local');
  expect(local).toMatchObject({ status: 'fail' });
  expect(local.detail).toContain('"no-such-trainer-xyz" not found on PATH');
  expect(local.fix).toContain('backend.command');
});

test("AutoTrain's discussions webhook: a warning with the command that sets it up, ok once set up with the secret", async () => {
  const env = healthyEnv({ WEBHOOK_SECRET: 'doctor-secret', PUBLIC_URL: 'https://retrain.example.org' });
  const missing = only(await runDoctor(env), 'training notices');
  expect(missing.status).toBe('warn');
  expect(missing.detail).toContain(
    `no webhook sends the discussions of ${TEST_USER} to https://retrain.example.org/webhook`,
  );
  expect(missing.fix).toContain('npx hub-retrain hub-webhook create images --url');

  const hook = hub.addWebhook(TEST_USER, {
    url: 'https://retrain.example.org/webhook',
    watched: [{ type: 'user', name: TEST_USER }],
    domains: ['discussion'],
    secret: 'another-secret',
  });
  const wrong = only(await runDoctor(env), 'training notices');
  expect(wrong.status).toBe('warn');
  expect(wrong.detail).toContain("does not carry the receiver's webhook secret");
  expect(JSON.stringify(wrong)).not.toContain('another-secret');

  hook.secret = 'doctor-secret';
  const set = only(await runDoctor(env), 'training notices');
  expect(set).toMatchObject({ status: 'ok' });
  expect(set.detail).toContain(`the discussions of ${TEST_USER} reach https://retrain.example.org/webhook`);
  hub.webhooksOf(TEST_USER).splice(0);
});

/** The real CLI in its own process (asynchronously: the fakes live in this one). */
function runCli(env: NodeJS.ProcessEnv, json: boolean): Promise<{ status: number | null; stdout: string }> {
  const args = [join(ROOT, 'bin', 'hub-retrain.js'), 'doctor', ...(json ? ['--json'] : [])];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout })));
}

test('the CLI exits 1 on a problem and prints JSON with --json; 0 when all is well', async () => {
  const bad = await runCli(healthyEnv({ HF_TOKEN: 'hf_wrong_token_0000000000000000' }), true);
  expect(bad.status).toBe(1);
  const parsed = JSON.parse(bad.stdout) as DoctorReport;
  expect(parsed.ok).toBe(false);
  expect(parsed.checks.find((c) => c.check === 'hub token')?.status).toBe('fail');

  const good = await runCli(healthyEnv(), false);
  expect(good.stdout).toContain('Everything looks right.');
  expect(good.status).toBe(0);
});
