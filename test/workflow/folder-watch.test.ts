/**
 * Local dataset folders are watched: an edit (or a burst of edits) retrains once, after the debounce,
 * with no webhook; a change made while nothing watched is picked up at the next start.
 */
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { watchLocalDatasets } from '../../src/server/webhook/watch-local-datasets';
import { folderRevision } from '../../src/datasets/local-folder';
import { pipelineStateQuery, pipelineWorkflowId } from '../../src/workflows/definitions';
import { eventually, scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

let client: Client;
let worker: RunningWorker;
const dirs = scratchDirs();

beforeAll(async () => {
  client = await testClient();
  worker = await startWorker(unique('watch'), {
    hubEndpoint: 'http://127.0.0.1:1',
    namespace: 'default',
    defaultTrainerCommand: TRAINER,
    ...dirs,
  });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
});

function setUp(debounceSeconds: number) {
  const folder = mkdtempSync(join(tmpdir(), 'watched-'));
  writeFileSync(join(folder, 'train.csv'), 'text,label\ngood,pos\n');
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('watched'),
        target_namespace: 'local',
        input_dataset: `file:${folder}`,
        input_model: 'tfidf-logreg',
        task: 'text-classification',
        backend: { type: 'local', params: { seconds: 0.2 } },
        debounce_seconds: debounceSeconds,
        poll_interval_seconds: 1,
      },
    ],
  });
  const recorder = new UpdateRecorder(client, worker.taskQueue, 5000);
  const start = () => watchLocalDatasets([pipeline!], recorder, dirs.stateDir, createLogger('silent'));
  const state = () => client.workflow.getHandle(pipelineWorkflowId(pipeline!.name)).query(pipelineStateQuery);
  return { folder, pipeline: pipeline!, start, state };
}

test('a burst of edits to a watched folder retrains exactly once, after the debounce, on the final content', async () => {
  const { folder, start, state } = setUp(1);
  const watchers = await start();
  try {
    for (let i = 0; i < 5; i++) appendFileSync(join(folder, 'train.csv'), `row ${i},pos\n`);
    writeFileSync(join(folder, 'validation.csv'), 'text,label\nok,pos\n');
    const finalRevision = await folderRevision(folder);

    const s = await eventually(
      async () => {
        const current = await state();
        return current.recent.length === 1 && !current.active ? current : undefined;
      },
      60_000,
      'one finished run',
    );
    expect(s.recent[0]).toMatchObject({ revision: finalRevision, outcome: 'succeeded' });
    expect(s.counters.updates).toBe(1);
  } finally {
    await watchers.stop();
  }
});

test('a change made while nothing watched the folder is trained when the watcher starts again', async () => {
  const { folder, start, state } = setUp(0);
  const first = await start(); // remembers the folder's revision
  await first.stop();
  appendFileSync(join(folder, 'train.csv'), 'edited while stopped,neg\n');
  const expected = await folderRevision(folder);

  const second = await start();
  try {
    const s = await eventually(
      async () => {
        const current = await state().catch(() => undefined);
        return current && current.recent.length === 1 ? current : undefined;
      },
      60_000,
      'a run for the edit',
    );
    expect(s.recent[0]!.revision).toBe(expected);
  } finally {
    await second.stop();
  }
});
