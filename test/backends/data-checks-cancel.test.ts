/**
 * A run cancelled while its data are being checked (issue 24): the checkData activity, run by the SDK's activity
 * environment against the fake Hub, is cancelled while the Hub holds one of the revision's files. The download is
 * dropped there and then (the Hub sees its client go) and the activity ends as cancelled, not as a Hub that could
 * not be reached; nothing is written. The workflow side (a run cancelled at checking-data creates nothing) is in
 * test/workflow/data-checks.test.ts.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataCheckActivities } from '../../src/activities/data-checks';
import type { RunContext } from '../../src/backends/types';
import { parseConfig } from '../../src/config/load-config';
import { DATA_REPORT_FILE } from '../../src/datasets/data-report';
import { ModelRegistry } from '../../src/registry/model-registry';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

let hub: FakeHub;
let release: () => void = () => undefined;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
});

afterAll(async () => {
  release();
  await hub?.stop();
});

test('cancelled while a file of the revision is downloading: the download is dropped and the activity ends cancelled', async () => {
  const dataset = `${TEST_USER}/${unique('held')}`;
  hub.addDataset(dataset, { files: { 'train.csv': 'text,label\na,x\nb,y\n', 'validation.csv': 'text,label\nc,x\n' } });
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('held'),
        target_namespace: TEST_USER,
        input_dataset: dataset,
        input_model: 'distilbert-base-uncased',
        task: 'text-classification',
        backend: { type: 'local' },
      },
    ],
  });
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = `/datasets/${dataset}/resolve/`;
  hub.faults.add({ method: 'GET', path: held, hold: gate, times: 100 });
  const registry = new ModelRegistry(mkdtempSync(join(tmpdir(), 'registry-')));
  const activities = createDataCheckActivities({
    stateDir: mkdtempSync(join(tmpdir(), 'state-')),
    hubUrl: hub.url,
    token: TEST_TOKEN,
    registry,
  });
  const env = new MockActivityEnvironment();
  const revision = hub.head(dataset);
  const checking = env.run((run: RunContext) => activities.checkData(run), {
    pipeline: pipeline!,
    revision,
    attempt: 1,
  });
  const outcome = checking.then(
    () => 'finished',
    (err: unknown) => err,
  );

  const request = await eventually(() => hub.faults.seen.find((r) => r.path.startsWith(held)), 30_000, 'a held file');
  env.cancel();
  // The gate stays closed: only the cancellation can end the download before the Hub answers.
  expect(await outcome).toBeInstanceOf(CancelledFailure);
  await eventually(() => request.clientGone || undefined, 30_000, 'the download to be dropped');
  expect(request.passedOn).toBeUndefined();
  expect(existsSync(join(registry.runDir(pipeline!.name, revision), DATA_REPORT_FILE))).toBe(false);
});
