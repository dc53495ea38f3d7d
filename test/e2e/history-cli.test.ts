/**
 * `hub-retrain history export` takes the histories of real runs from a live Temporal, and
 * `hub-retrain history replay` replays them against this code: a history the code cannot reproduce fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { pipelineSpec, startFakes, type FakeStack } from '../helpers/stack';
import { startWorker, testAddress, testBundlePath, testClient, unique, type RunningWorker } from '../helpers/temporal';

const CLI = join(__dirname, '..', '..', 'bin', 'hub-retrain.js');
let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  fakes = await startFakes();
  client = await testClient();
  worker = await startWorker(unique('history'), fakes.activityDeps);
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      WORKFLOW_BUNDLE_PATH: testBundlePath(),
      LOG_LEVEL: 'error',
    },
    timeout: 120_000,
  });

test('a finished run is exported from Temporal and replays against this code; a tampered history fails', async () => {
  const pipeline = pipelineSpec(fakes);
  const revision = fakes.hub.head(fakes.dataset);
  const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
  await handle.result();

  const out = mkdtempSync(join(tmpdir(), 'histories-'));
  const exported = cli(['history', 'export', '--query', `WorkflowId = '${handle.workflowId}'`, '--out', out]);
  expect(exported.status).toBe(0);
  const [file] = readdirSync(out);
  expect(file).toMatch(/^retrain_.*\.json$/);

  const replayed = cli(['history', 'replay', join(out, file!)]);
  expect(replayed.stdout).toContain('ok');
  expect(replayed.status).toBe(0);

  // The same history, but the workflow "scheduled" an activity this code never schedules there.
  const tampered = join(out, 'tampered.json');
  writeFileSync(tampered, readFileSync(join(out, file!), 'utf8').replace(/"createProject"/g, '"deleteEverything"'));
  const failed = cli(['history', 'replay', tampered]);
  expect(failed.status).toBe(1);
  expect(failed.stdout).toContain('FAIL');
});
