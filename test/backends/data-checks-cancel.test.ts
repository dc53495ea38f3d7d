/**
 * A run cancelled while its data are being checked (issue 24): the checkData activity, run by the SDK's activity
 * environment against the fake Hub, is cancelled while the Hub holds one of the revision's files. The download is
 * dropped there and then (the Hub sees its client go) and the activity ends as cancelled, not as a Hub that could
 * not be reached; nothing is written. The workflow side (a run cancelled at checking-data creates nothing) is in
 * test/workflow/data-checks.test.ts. Then what the activity hands the checker: a model in service whose revision the
 * Hub no longer has, and the baseline's length limit (none).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataCheckActivities } from '../../src/activities/data-checks';
import type { RunContext } from '../../src/backends/types';
import { parseConfig } from '../../src/config/load-config';
import { DATA_REPORT_FILE, type DataReport } from '../../src/datasets/data-report';
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
  const { registry, activities } = checkingActivity();
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

/** The checkData activity of a new registry and state folder on the fake Hub, run by the SDK's activity environment. */
function checkingActivity() {
  const registry = new ModelRegistry(mkdtempSync(join(tmpdir(), 'registry-')));
  const activities = createDataCheckActivities({
    stateDir: mkdtempSync(join(tmpdir(), 'state-')),
    hubUrl: hub.url,
    token: TEST_TOKEN,
    registry,
  });
  const check = (run: RunContext): Promise<DataReport> =>
    new MockActivityEnvironment().run((r: RunContext) => activities.checkData(r), run);
  return { registry, activities, check };
}

function textPipeline(dataset: string, extra: Record<string, unknown> = {}) {
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('checked'),
        target_namespace: TEST_USER,
        input_dataset: dataset,
        input_model: 'distilbert-base-uncased',
        task: 'text-classification',
        backend: { type: 'local' },
        ...extra,
      },
    ],
  });
  return pipeline!;
}

test('the revision of the model in service is gone from the Hub: changes and vanished_labels report it, each by its policy', async () => {
  const dataset = `${TEST_USER}/${unique('squashed')}`;
  hub.addDataset(dataset, { files: { 'train.csv': 'text,label\na,x\nb,y\n' } });
  const { registry, check } = checkingActivity();
  const squashed = 'f'.repeat(40); // a commit the Hub answers 404 for (its history was squashed)
  const run = (pipeline: ReturnType<typeof textPipeline>) => {
    mkdirSync(registry.runDir(pipeline.name, squashed), { recursive: true });
    registry.promote(pipeline.name, squashed);
    return check({ pipeline, revision: hub.head(dataset), attempt: 1 });
  };
  const report = await run(textPipeline(dataset));
  const changes = report.checks.find((c) => c.check === 'changes');
  expect(changes).toMatchObject({ status: 'warn', policy: 'warn' });
  expect(changes?.error).toMatch(
    /^the revision the model in service was trained on \(fffffff\) could not be fetched: /,
  );
  expect(changes?.detail).not.toMatch(/no model in service/);
  expect(report.checks.find((c) => c.check === 'vanished_labels')).toMatchObject({
    status: 'warn',
    error: expect.stringMatching(/^the labels of the model in service are unknown: /) as unknown,
  });
  // A `fail` policy stops such a run.
  const strict = await run(textPipeline(dataset, { data_checks: { changes: 'fail' } }));
  expect(strict.checks.find((c) => c.check === 'changes')).toMatchObject({ status: 'fail', policy: 'fail' });
});

test('the baseline truncates nothing: too_long is not checked for it, and its detail says so', async () => {
  const dataset = `${TEST_USER}/${unique('long')}`;
  const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  hub.addDataset(dataset, { files: { 'train.csv': `text,label\n${long},x\nshort,y\n` } });
  const { check } = checkingActivity();
  const tooLong = async (backend: Record<string, unknown>) => {
    const pipeline = textPipeline(dataset, { backend: { type: 'local', ...backend } });
    const report: DataReport = await check({ pipeline, revision: hub.head(dataset), attempt: 1 });
    return report.checks.find((c) => c.check === 'too_long');
  };
  expect(await tooLong({ trainer: 'baseline' })).toMatchObject({
    status: 'pass',
    count: 0,
    detail: 'not checked: the trainer reads every text whole (the baseline does not truncate)',
  });
  expect(await tooLong({})).toMatchObject({ status: 'warn', count: 1 });
});
