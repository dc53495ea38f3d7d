/**
 * The production worker: the workflow bundle built by the real script (as the Dockerfile does), a
 * `hub-retrain worker` process that loads it through WORKFLOW_BUNDLE_PATH and runs retrains, and its
 * Prometheus endpoint (METRICS_PORT) with the Temporal SDK's metrics and ours after a run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { tracedBundlePath } from '../../src/temporal/workflow-bundle';
import { pipelineStateQuery, pipelineWorkflowId, type PipelineState } from '../../src/workflows/definitions';
import { pipelineSpec, startFakes, TEST_TOKEN, type FakeStack } from '../helpers/stack';
import { eventually, testClient, unique } from '../helpers/temporal';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

const ROOT = join(__dirname, '..', '..');
let fakes: FakeStack;
let client: Client;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  fakes = await startFakes();
  client = await testClient();
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `npm run bundle -- <out>`: the script the Dockerfile runs. */
async function buildBundle(out: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/temporal/workflow-bundle.ts', out],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the bundle script failed (${code}):\n${output}`);
  return output;
}

const runsOf = (spec: { name: string }) =>
  eventually(
    async () => {
      const s: PipelineState = await client.workflow.getHandle(pipelineWorkflowId(spec.name)).query(pipelineStateQuery);
      return s.active === undefined && s.waiting === undefined && s.recent.length > 0 ? s : undefined;
    },
    90_000,
    'the run to finish',
  );

test('a worker process runs retrains from the pre-built bundle and exports SDK and run metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-prod-'));
  const bundle = join(dir, 'workflow-bundle.js');
  expect(await buildBundle(bundle)).toContain(`workflow bundles written to ${bundle} and ${tracedBundlePath(bundle)}`);
  expect(existsSync(bundle)).toBe(true);
  expect(existsSync(tracedBundlePath(bundle))).toBe(true);

  const taskQueue = unique('prod');
  const metricsPort = await freePort();
  worker = await spawnWorker(taskQueue, {
    WORKFLOW_BUNDLE_PATH: bundle,
    METRICS_PORT: String(metricsPort),
    HF_ENDPOINT: fakes.hub.url,
    HF_TOKEN: TEST_TOKEN,
    AUTOTRAIN_API_URL: fakes.autotrain.url,
    RETRAIN_STATE_DIR: join(dir, 'state'),
    RETRAIN_MODELS_DIR: join(dir, 'models'),
  });
  // It loaded the bundle instead of bundling at start.
  expect(worker.output()).toContain(`"workflowBundle":"${bundle}"`);
  expect(worker.output()).not.toContain('Workflow bundle created');

  const recorder = new UpdateRecorder(client, taskQueue, 5000);
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 600 };
  const good = pipelineSpec(fakes, { input_dataset: fakes.dataset });
  await recorder.record(good, fakes.hub.pushCommit(fakes.dataset), {
    source: 'cli',
    receivedAt: new Date().toISOString(),
  });
  expect((await runsOf(good)).lastResult?.outcome).toBe('succeeded');

  fakes.autotrain.defaultScript = { outcome: 'failure', buildMs: 100, runMs: 300 };
  const badDataset = `acme/${unique('broken')}`;
  fakes.hub.addDataset(badDataset);
  const bad = pipelineSpec({ dataset: badDataset });
  await recorder.record(bad, fakes.hub.pushCommit(badDataset), { source: 'cli', receivedAt: new Date().toISOString() });
  expect((await runsOf(bad)).lastResult?.outcome).toBe('failed');

  const expected = [
    // Ours, from the run-metrics interceptor's sink.
    /# TYPE hub_retrain_runs_total counter/,
    /hub_retrain_runs_total\{[^}]*backend="autotrain"[^}]*outcome="succeeded"[^}]*\} 1/,
    /hub_retrain_runs_total\{[^}]*backend="autotrain"[^}]*outcome="failed"[^}]*\} 1/,
    /hub_retrain_training_duration_seconds_bucket\{[^}]*backend="autotrain"[^}]*state="succeeded"/,
    /hub_retrain_training_duration_seconds_count\{[^}]*state="failed"[^}]*\} 1/,
    /hub_retrain_compensations_total\{[^}]*backend="autotrain"[^}]*result="ok"[^}]*step="stopTraining"[^}]*\} 1/,
    // The Temporal SDK's own.
    /temporal_workflow_completed\{[^}]*workflow_type="RetrainWorkflow"/,
    /temporal_activity_execution_latency_bucket\{[^}]*activity_type="startProcessing"/,
  ];
  const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  // The runs have ended; their metrics may reach the exporter a moment later.
  const metrics = await eventually(async () => {
    const text = await scrape();
    return expected.every((re) => re.test(text)) ? text : undefined;
  }).catch(() => scrape());
  for (const re of expected) expect(metrics).toMatch(re);
  // No secret in any label.
  expect(metrics).not.toContain(TEST_TOKEN);
});
