/**
 * Issue 23 end to end, on a real Temporal dev server with the trainers of trainers/ run by the local backend: the
 * gate measures the model in service and the new one on the same rows in the same run. The TypeScript baseline on
 * product-reviews (the scenario: harder validation rows for everyone; worse training data with easier
 * evaluation data), the transformers trainer with a tiny offline model (flow and consistency, not accuracy), and
 * bad input (a model in service that is corrupt, a pinned evaluation set that cannot be read).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { ActivityDeps } from '../../src/activities';
import { verdict } from '../../src/cli/format';
import type { PipelineSpec } from '../../src/config/config-schema';
import { folderRevision } from '../../src/datasets/local-folder';
import {
  progressQuery,
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  type RetrainResult,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { FakeHub } from '../fakes/fake-hub';
import { folderPipeline, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';
import { reviewsFolder, tinyModel, TINY_PARAMS, TRAINER_TEST_TIMEOUT_MS } from '../helpers/transformers';

jest.setTimeout(TRAINER_TEST_TIMEOUT_MS);

process.env.OMP_NUM_THREADS ??= '1';

const REVIEWS = resolve(__dirname, '../../examples/datasets/product-reviews');
const LABELS = ['negative', 'neutral', 'positive'];

let hub: FakeHub;
let client: Client;
let worker: RunningWorker;
let deps: ActivityDeps;

beforeAll(async () => {
  [hub, client] = await Promise.all([new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start(), testClient()]);
  deps = { hubEndpoint: hub.url, hfToken: TEST_TOKEN, namespace: 'default', ...scratchDirs() };
  worker = await startWorker(unique('same-rows'), deps);
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await hub?.stop();
});

const csv = (file: string) => readFileSync(join(REVIEWS, file), 'utf8').trim().split('\n');
const [HEADER, ...TRAIN] = csv('train.csv');
const VALIDATION = csv('validation.csv').slice(1);
/** A row with another label than its text says: the kind of hard case a team adds when it finds one. */
const relabel = (line: string, by: number) => {
  const at = line.lastIndexOf(',');
  return `${line.slice(0, at + 1)}${LABELS[(LABELS.indexOf(line.slice(at + 1)) + by) % 3]}`;
};
const HARD = VALIDATION.slice(0, 80).map((line) => relabel(line, 1));

function writeSplits(folder: string, train: string[], validation: string[]): void {
  writeFileSync(join(folder, 'train.csv'), [HEADER, ...train].join('\n') + '\n');
  writeFileSync(join(folder, 'validation.csv'), [HEADER, ...validation].join('\n') + '\n');
}

function pipelineOf(folder: string, fields: Record<string, unknown> = {}): PipelineSpec {
  return folderPipeline('same-rows', folder, {
    backend: { type: 'local', trainer: 'baseline' },
    promotion: { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
    ...fields,
  });
}

async function train(pipeline: PipelineSpec): Promise<RetrainResult> {
  const revision = await folderRevision(pipeline.local_path!);
  const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue: worker.taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
  return handle.result();
}

describe('the TypeScript baseline on product-reviews', () => {
  test('80 hard validation rows later, the same model is measured with the one in service on the same 280 rows: not promoted, equal numbers', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'reviews-'));
    writeSplits(folder, TRAIN, VALIDATION);
    const pipeline = pipelineOf(folder);
    const first = await train(pipeline);
    expect(first.promotion).toMatchObject({ promoted: true, candidate: 0.83, rows: 200 });

    writeSplits(folder, TRAIN, [...VALIDATION, ...HARD]);
    const second = await train(pipeline);
    const p = second.promotion!;
    expect(p).toMatchObject({ promoted: false, rows: 280, sameData: true, pValue: 1, interval: [0, 0] });
    expect(p.candidate).toBe(p.current); // the same model, re-measured: not 0.83 from last week's rows
    expect(p.current).toBeLessThan(0.83);
    expect(p.reason).toContain(
      `accuracy ${p.candidate!.toFixed(4)} vs ${p.current!.toFixed(4)} for the model in service (${first.revision.slice(0, 7)}) on the same 280 validation rows`,
    );
    expect(verdict(p)).toBe(
      `not put in service (accuracy ${p.candidate!.toFixed(4)} vs ${p.current!.toFixed(4)} for the model in service on the same 280 rows; p = 1.000)`,
    );
    const card = readFileSync(join(deps.modelsDir, pipeline.name, second.revision, 'README.md'), 'utf8');
    expect(card).toContain('## Promotion verdict');
    expect(card).toContain('| Rows | 280 (validation) |');
    expect(card).toContain('| Same rows for both | yes |');
  });

  test('worse training data with easier evaluation data is not promoted, though its own number beats the recorded one', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'reviews-'));
    writeSplits(folder, TRAIN, [...VALIDATION, ...HARD]);
    const pipeline = pipelineOf(folder);
    const first = await train(pipeline);
    expect(first.promotion).toMatchObject({ promoted: true, rows: 280 });

    // 30% of the training labels wrong; the hard validation rows gone.
    writeSplits(
      folder,
      TRAIN.map((line, i) => (i % 10 < 3 ? relabel(line, 1 + (i % 2)) : line)),
      VALIDATION,
    );
    const second = await train(pipeline);
    // Compared with the number recorded last time (other rows), the old gate would have promoted it.
    expect(second.metrics.accuracy).toBeGreaterThan(first.metrics.accuracy!);
    const p = second.promotion!;
    expect(p).toMatchObject({ promoted: false, rows: 200, sameData: true, candidate: second.metrics.accuracy });
    expect(p.current).toBeGreaterThan(p.candidate!);
    expect(p.pValue).toBeGreaterThan(0.5);
  });

  test('a model in service that is corrupt cannot be measured: said so, and nothing is promoted', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'reviews-'));
    writeSplits(folder, TRAIN.slice(0, 300), VALIDATION);
    const pipeline = pipelineOf(folder);
    const first = await train(pipeline);
    rmSync(join(deps.modelsDir, pipeline.name, first.revision, 'weights.bin'));

    writeSplits(folder, TRAIN, VALIDATION);
    const second = await train(pipeline);
    expect(second.outcome).toBe('succeeded');
    expect(second.promotion).toMatchObject({ promoted: false, sameData: false });
    expect(second.promotion!.reason).toMatch(
      new RegExp(
        `not promoted: the model in service \\(${first.revision.slice(0, 7)}\\) could not be measured on these rows \\(.*weights.bin.*\\); no comparison was made`,
      ),
    );
  });

  test('a pinned evaluation set decides; one that cannot be read fails the run with a clear message before training', async () => {
    const pinned = mkdtempSync(join(tmpdir(), 'pinned-'));
    writeFileSync(join(pinned, 'test.csv'), [HEADER, ...VALIDATION.slice(100)].join('\n') + '\n');
    const folder = mkdtempSync(join(tmpdir(), 'reviews-'));
    writeSplits(folder, TRAIN.slice(0, 300), VALIDATION);
    const pipeline = pipelineOf(folder, { evaluation: { dataset: `file:${pinned}` } });
    await train(pipeline);
    writeSplits(folder, TRAIN, VALIDATION);
    const second = await train(pipeline);
    expect(second.promotion).toMatchObject({ rows: 100, sameData: true, split: 'test' });
    expect(second.promotion!.reason).toContain('on the same 100 rows of the pinned evaluation set (test)');

    const broken = pipelineOf(folder, { evaluation: { dataset: `file:${join(pinned, 'gone')}` } });
    const failure = await train(broken).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const revision = await folderRevision(folder);
    const progress = await client.workflow.getHandle(retrainWorkflowId(broken.name, revision)).query(progressQuery);
    expect(progress.error).toContain(
      `evaluation.dataset: the pinned evaluation set file:${join(pinned, 'gone')} cannot be read`,
    );
    expect(progress.jobId).toBeUndefined(); // nothing was trained
  });
});

describe('the transformers trainer (a tiny offline model)', () => {
  let textModel: string;
  beforeAll(async () => {
    textModel = await tinyModel('text');
  });

  test('the model in service is re-measured on the new run rows by the same code: its number is the one it had as the candidate', async () => {
    const folder = reviewsFolder();
    const pipeline = pipelineOf(folder, {
      input_model: textModel,
      backend: { type: 'local', params: TINY_PARAMS },
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
    });
    const first = await train(pipeline);
    expect(first.promotion).toMatchObject({ promoted: true, rows: 8, split: 'validation' });

    // New training rows, the same validation rows: the model in service must score what it scored before.
    writeFileSync(
      join(folder, 'train.csv'),
      readFileSync(join(folder, 'train.csv'), 'utf8') + 'great love perfect,positive\n',
    );
    const second = await train(pipeline);
    const p = second.promotion!;
    expect(p).toMatchObject({ rows: 8, sameData: true, current: first.promotion!.candidate, split: 'validation' });
    expect(p.pValue).toBeGreaterThan(0);
    expect(p.interval).toHaveLength(2);
    // No test split: the verdict says its numbers come from the rows the best epoch was chosen on.
    expect(p.reason).toContain('the split the best epoch was chosen on: the dataset has no test split');
    expect(p.promoted).toBe(p.candidate! > p.current!);
  });

  test('a model in service from the other trainer is said so: the recorded number decides, marked as other data', async () => {
    const folder = reviewsFolder();
    const baseline = pipelineOf(folder, {
      input_model: textModel,
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
    });
    await train(baseline);
    writeFileSync(
      join(folder, 'train.csv'),
      readFileSync(join(folder, 'train.csv'), 'utf8') + 'awful broken,negative\n',
    );
    const transformers = {
      ...baseline,
      backend: { ...baseline.backend, trainer: undefined, params: TINY_PARAMS },
    } as PipelineSpec;
    const second = await train(transformers);
    expect(second.promotion).toMatchObject({ sameData: false, rows: 8 });
    expect(second.promotion!.reason).toContain(
      'measured on other data (a TypeScript baseline model, which the transformers trainer does not load)',
    );
  });
});
