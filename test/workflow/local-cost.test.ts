/**
 * What a local run costs: nothing, with the CPU seconds its trainer used (counted by its supervisor), on a real
 * Temporal dev server with the scripted trainer; the month's figures land in the spend ledger like any other run's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { folderRevision } from '../../src/datasets/local-folder';
import { budgetViewQuery, budgetWorkflowId } from '../../src/workflows/budget-definitions';
import { progressQuery } from '../../src/workflows/definitions';
import { datasetFolder, folderPipeline, startRetrainRun } from '../helpers/stack';
import { scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

let client: Client;
let worker: RunningWorker;
const dirs = scratchDirs();

beforeAll(async () => {
  client = await testClient();
  worker = await startWorker(unique('local-cost'), {
    hubEndpoint: 'http://127.0.0.1:9',
    namespace: 'default',
    defaultTrainerCommand: TRAINER,
    ...dirs,
  });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
});

test('a local run costs $0, priced "local", with the CPU seconds its trainer used; a budget holds nothing back', async () => {
  const folder = datasetFolder();
  const pipeline = folderPipeline('local-cost', folder, {
    backend: { type: 'local', params: { seconds: 0.2 } },
    notify: { discussions: false },
    budget: { monthly_usd: 1, per_run_usd: 0.01 },
  });
  const revision = await folderRevision(folder);
  const handle = await startRetrainRun(client, worker.taskQueue, pipeline, revision);
  await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  const progress = await handle.query(progressQuery);
  expect(progress.cost).toEqual({
    usd: 0,
    seconds: expect.any(Number) as number,
    billedSeconds: Math.ceil(progress.cost!.seconds), // billed per second (at $0)
    hardware: 'local',
    pricePerHour: 0,
    priceSource: 'local',
  });
  expect(progress.cost!.seconds).toBeGreaterThan(0); // the node trainer used some CPU
  expect(progress.budget).toMatchObject({ decision: 'reserved', estimateUsd: 0 });
  // The registry's model card (published with the model for a local run) has the cost row.
  const card = readFileSync(join(dirs.modelsDir, pipeline.name, revision, 'README.md'), 'utf8');
  expect(card).toContain(`| Training cost | $0.0000: ${progress.cost!.billedSeconds} s billed (`);
  expect(card).toContain(' of local at $0/h (local) |');
  const ledger = await client.workflow.getHandle(budgetWorkflowId(worker.taskQueue)).query(budgetViewQuery);
  expect(ledger.totals).toEqual([{ pipeline: pipeline.name, backend: 'local', usd: 0 }]);
});
