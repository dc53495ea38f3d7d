/**
 * Hub datasets for the local backend: downloaded with @huggingface/hub at the exact revision being
 * trained (from the fake Hub, over HTTP), into a cache shared between runs, in the layouts people push.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { LocalBackend } from '../../src/backends/local/local-backend';
import type { RunContext } from '../../src/backends/types';
import { parseConfig } from '../../src/config/load-config';
import { FakeHub } from '../fakes/fake-hub';
import { backendOptions, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { HubClient } from '../../src/hub/hub-client';
import { scratchDirs, unique } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');
const PARQUET = join(ROOT, 'trainers', 'test', 'fixtures', 'hub-parquet');
let hub: FakeHub;
/** The backend for a run's pipeline, as createBackends makes it. */
let backend: (run: RunContext) => LocalBackend;
const dirs = scratchDirs();

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  const deps = {
    ...dirs,
    hub: new HubClient({ endpoint: hub.url, token: TEST_TOKEN }),
    hfToken: TEST_TOKEN,
    defaultTrainerCommand: ['true'],
  };
  backend = (r) => new LocalBackend(deps, backendOptions(r.pipeline, 'local'));
});

afterAll(async () => {
  await hub?.stop();
});

function run(dataset: string, revision: string, task = 'text-classification'): RunContext {
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: unique('hub'),
        target_namespace: TEST_USER,
        input_dataset: dataset,
        input_model: 'm',
        task,
        backend: { type: 'local' },
      },
    ],
  });
  return { pipeline: pipeline!, revision, attempt: 1 };
}

async function download(r: RunContext): Promise<string> {
  const data = await backend(r).addData(r, await backend(r).createProject(r));
  return data.detail!.path!;
}

/** What the default trainer would load from a folder (its own loader, as a child process). */
function inspect(
  dir: string,
  task: string,
): { splits: Record<string, { rows: number; labels: Record<string, number> }> } {
  const res = spawnSync(process.execPath, [join(ROOT, 'trainers', 'bin', 'inspect.js'), dir, '--task', task], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { splits: Record<string, { rows: number; labels: Record<string, number> }> };
}

const csv = (rows: Array<[string, string]>) => `text,label\n${rows.map(([t, l]) => `${t},${l}`).join('\n')}\n`;

test('each revision downloads its own data: a different revision gives different data', async () => {
  const id = `${TEST_USER}/${unique('reviews')}`;
  const validation = csv([
    ['fine', 'pos'],
    ['poor', 'neg'],
  ]);
  const first = hub.commitFiles('dataset', id, {
    'train.csv': csv([
      ['good', 'pos'],
      ['bad', 'neg'],
    ]),
    'validation.csv': validation,
  });
  const second = hub.commitFiles('dataset', id, {
    'train.csv': csv([
      ['great', 'pos'],
      ['awful', 'neg'],
      ['lovely', 'pos'],
    ]),
  });

  const a = await download(run(id, first));
  const b = await download(run(id, second));
  expect(a).not.toBe(b);
  expect(readFileSync(join(a, 'train.csv'), 'utf8')).toContain('good');
  expect(readFileSync(join(b, 'train.csv'), 'utf8')).toContain('awful');
  expect(inspect(a, 'text-classification').splits.train?.rows).toBe(2);
  expect(inspect(b, 'text-classification').splits.train?.rows).toBe(3);

  // The cache is shared: the same revision again downloads nothing.
  const requests = hub.requests.length;
  expect(await download(run(id, first))).toBe(a);
  expect(hub.requests.filter((r, i) => i >= requests && r.path.includes('/resolve/'))).toHaveLength(0);
});

test('JSON Lines split by folder name', async () => {
  const id = `${TEST_USER}/${unique('jsonl')}`;
  const line = (text: string, label: string) => JSON.stringify({ text, label });
  const sha = hub.commitFiles('dataset', id, {
    'train/part-0.jsonl': [line('good', 'pos'), line('bad', 'neg'), line('nice', 'pos')].join('\n'),
    'validation/part-0.jsonl': [line('ok', 'pos'), line('meh', 'neg')].join('\n'),
  });
  const summary = inspect(await download(run(id, sha)), 'text-classification');
  expect(summary.splits.train?.rows).toBe(3);
  expect(summary.splits.validation?.rows).toBe(2);
});

test('Parquet files as the Hub converts datasets (data/<split>-00000-of-00001.parquet)', async () => {
  const id = `${TEST_USER}/${unique('parquet')}`;
  const files = Object.fromEntries(
    readdirSync(join(PARQUET, 'text', 'data')).map((f) => [
      `data/${f}`,
      readFileSync(join(PARQUET, 'text', 'data', f)),
    ]),
  );
  const sha = hub.commitFiles('dataset', id, files);
  const summary = inspect(await download(run(id, sha)), 'text-classification');
  expect(summary.splits.train?.rows).toBeGreaterThan(0);
  expect(summary.splits.test?.rows).toBeGreaterThan(0);
});

test('image folders (train/<label>/*.png) and Parquet with an image column', async () => {
  const png = (r: number, g: number, b: number) =>
    sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  const id = `${TEST_USER}/${unique('images')}`;
  const sha = hub.commitFiles('dataset', id, {
    'train/red/1.png': await png(250, 0, 0),
    'train/red/2.png': await png(240, 10, 10),
    'train/blue/1.png': await png(0, 0, 250),
    'train/blue/2.png': await png(10, 10, 240),
  });
  const folders = inspect(await download(run(id, sha, 'image-classification')), 'image-classification');
  expect(folders.splits.train).toEqual({ rows: 4, labels: { blue: 2, red: 2 } });

  const pid = `${TEST_USER}/${unique('image-parquet')}`;
  const parquet = hub.commitFiles('dataset', pid, {
    'data/train-00000-of-00001.parquet': readFileSync(join(PARQUET, 'images', 'data', 'train-00000-of-00001.parquet')),
  });
  const fromParquet = inspect(await download(run(pid, parquet, 'image-classification')), 'image-classification');
  expect(fromParquet.splits.train?.rows).toBeGreaterThan(0);
});

test('a private dataset needs the token; a revision that does not exist fails without retrying', async () => {
  const id = `${TEST_USER}/${unique('private')}`;
  hub.repos.create('dataset', id, { private: true, files: { 'train.csv': csv([['a', 'b']]) } });
  const sha = hub.head(id);
  await expect(download(run(id, sha))).resolves.toContain(sha);
  await expect(download(run(id, 'f'.repeat(40)))).rejects.toMatchObject({ statusCode: 404 });
});
