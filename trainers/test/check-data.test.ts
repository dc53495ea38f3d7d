/**
 * The data checks (check/check-data.ts) on small datasets written at test time: what each check counts, where its
 * examples point, and that bad files are findings naming the file and line, never a crash.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkData, type CheckOptions, type DataFindings } from '../check/check-data';
import { writeParquet } from './helpers/parquet';
import { TRAINERS_BIN } from './helpers/run-command';
import { syntheticImage, writeImageFolders } from './helpers/synthetic-images';
import { seededRandom } from '../core/random';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const nextDir = useTempDir('check-data');
const TEXT: CheckOptions = { task: 'text-classification', max_length: 256, min_rows_per_class: 5 };
const IMAGES: CheckOptions = { ...TEXT, task: 'image-classification' };

const csv = (rows: (string | number)[][]): string =>
  `text,label\n${rows.map(([t, l]) => `"${String(t)}",${String(l)}`).join('\n')}\n`;
const found = (f: DataFindings, check: string) => f.checks.find((c) => c.check === check)!;
const counts = (f: DataFindings) => Object.fromEntries(f.checks.map((c) => [c.check, c.count]));

const checkCommand = (dir: string, options: string) =>
  spawnSync(process.execPath, [join(TRAINERS_BIN, 'check-data.js'), dir, '--options', options], { encoding: 'utf8' });

/** 5 rows for each of three labels. */
const train = ['a', 'b', 'c'].flatMap((label) =>
  Array.from({ length: 5 }, (_, i) => [`text ${i} for ${label}`, label]),
);

test('a clean dataset passes every check, and the report names its columns, rows and train labels', async () => {
  const dir = await writeFiles(nextDir(), {
    'train.csv': csv(train),
    'validation.csv': csv([['something else', 'a']]),
  });
  const findings = await checkData(dir, TEXT);
  expect(findings.checks.filter((c) => c.count > 0 || c.error)).toEqual([]);
  expect(findings.columns).toEqual({ label: 'label', inputs: ['text'] });
  expect(findings.rows).toEqual({ train: 15, validation: 1 });
  expect(findings.labels).toEqual({ a: 5, b: 5, c: 5 });
});

test('each problem is counted by its check, with examples that say where', async () => {
  const dir = await writeFiles(nextDir(), {
    'train.csv': csv([
      ...train,
      ['text 0 for a', 'a'], // a duplicate of train.csv:2
      ['', 'b'], // no text
      ['only once', 'rare'],
      [Array.from({ length: 300 }, (_, i) => `word${i}`).join(' '), 'c'],
    ]),
    'test.csv': csv([
      ['TEXT 1   FOR B', 'b'], // leakage: case and spaces do not count
      ['text 2 for c', 'c'],
      ['brand new', 'ghost'],
    ]),
  });
  const findings = await checkData(dir, { ...TEXT, known_labels: ['a', 'b', 'c', 'gone'] });
  expect(counts(findings)).toMatchObject({
    schema: 0,
    missing_values: 1,
    too_long: 1,
    small_classes: 1,
    unseen_labels: 1,
    vanished_labels: 1,
    leakage: 2,
    duplicates: 1,
  });
  expect(found(findings, 'duplicates').examples).toEqual(['train.csv:17: "text 0 for a"']);
  expect(found(findings, 'missing_values').examples).toEqual(['train.csv:18: no text']);
  expect(found(findings, 'small_classes').examples).toEqual(['rare: 1 row']);
  expect(found(findings, 'unseen_labels').examples).toEqual(['ghost (test.csv:4)']);
  expect(found(findings, 'vanished_labels').examples).toEqual(['gone']);
  expect(found(findings, 'leakage').examples[0]).toBe('test.csv:2: "TEXT 1 FOR B" is also in train');
  expect(found(findings, 'too_long').examples[0]).toMatch(/^train\.csv:20: about 573 tokens$/);
});

test('a file that cannot be parsed is a failed schema finding naming the file and the line, not a crash', async () => {
  const dir = await writeFiles(nextDir(), {
    'train.csv': `${csv(train)}"an open quote,a\n`,
  });
  const findings = await checkData(dir, TEXT);
  expect(found(findings, 'schema').count).toBe(1);
  expect(found(findings, 'schema').examples[0]).toMatch(/^train\.csv:17: not a readable CSV file/);
  expect(found(findings, 'leakage').error).toMatch(/reading stopped early/);
});

test('a dataset without the label column: the schema finding says what was found, the other checks did not run', async () => {
  const dir = await writeFiles(nextDir(), { 'train.csv': 'body,score_x\nhello,1\n' });
  const findings = await checkData(dir, TEXT);
  expect(found(findings, 'schema').examples[0]).toMatch(/no label column found; columns are "body", "score_x"/);
  expect(found(findings, 'unseen_labels').error).toBe("not run: the dataset's columns could not be read");
});

test('an input column empty in every row of a file, and no usable train rows, are schema findings', async () => {
  const emptyTexts = train.map(([, l]) => ['', l!]);
  const dir = await writeFiles(nextDir(), {
    'train.csv': csv(train),
    'validation.csv': csv(emptyTexts.slice(0, 3)),
  });
  const findings = await checkData(dir, TEXT);
  expect(found(findings, 'schema')).toMatchObject({ count: 1, examples: ['column text is empty in validation.csv'] });
  expect(found(findings, 'missing_values').count).toBe(3);

  const noText = await checkData(await writeFiles(nextDir(), { 'train.csv': csv(emptyTexts) }), TEXT);
  expect(found(noText, 'schema').examples).toEqual([
    'column text is empty in train.csv',
    "no usable train rows: none of train's 15 rows has both a label and a text",
  ]);
  const unlabelled = await checkData(
    await writeFiles(nextDir(), { 'train.csv': 'text,label\nhello,\nworld,\n' }),
    TEXT,
  );
  expect(found(unlabelled, 'schema').examples).toEqual([
    "no usable train rows: none of train's 2 rows has both a label and a text",
  ]);
});

test('Parquet files are read a row group at a time, with their ClassLabel names (through the command: hyparquet is ESM)', () => {
  const dir = nextDir();
  writeParquet(
    join(dir, 'data', 'train-00000-of-00001.parquet'),
    [
      { name: 'text', type: 'STRING', data: ['one', 'two', 'three', 'four', 'five', 'six'] },
      { name: 'label', type: 'INT64', data: [0, 1, 0, 1, 0, 1] },
    ],
    { label: ['neg', 'pos'] },
  );
  writeParquet(join(dir, 'data', 'test-00000-of-00001.parquet'), [
    { name: 'text', type: 'STRING', data: ['two', 'seven'] },
    { name: 'label', type: 'INT64', data: [1, 0] },
  ]);
  const answer = checkCommand(dir, JSON.stringify({ task: 'text-classification', min_rows_per_class: 1 }));
  expect(answer.status).toBe(0);
  const findings = JSON.parse(answer.stdout) as DataFindings;
  expect(findings.labels).toEqual({ neg: 3, pos: 3 });
  expect(found(findings, 'leakage').examples).toEqual([
    'data/test-00000-of-00001.parquet row 1: "two" is also in train',
  ]);
  // The test file has no ClassLabel metadata: its 0 and 1 are labels train does not have.
  expect(found(findings, 'unseen_labels').count).toBe(2);
});

test('images: undecodable files, identical images across splits, and the labels of image folders', async () => {
  const dir = nextDir();
  await writeImageFolders(dir, { train: 5 });
  const copy = await syntheticImage('disc', seededRandom(1));
  await writeFiles(dir, {
    'train/disc/broken.png': Buffer.from('not a png at all'),
    'validation/disc/same.png': copy,
    'validation/checks/other.png': await syntheticImage('checks', seededRandom(99)),
  });
  await writeFiles(dir, { 'train/disc/copy.png': copy });
  const findings = await checkData(dir, IMAGES);
  expect(findings.labels).toMatchObject({ checks: 5, stripes: 5 });
  expect(found(findings, 'unreadable_images').examples).toEqual([
    expect.stringMatching(/^train\/disc\/broken\.png: cannot decode the image/),
  ]);
  expect(found(findings, 'leakage')).toMatchObject({
    count: 1,
    examples: ['validation/disc/same.png: the same image is also in train'],
  });
});

test('changes since the revision in service: rows added, removed and relabelled, and a renamed label column', async () => {
  const before = await writeFiles(nextDir(), { 'train.csv': csv(train) });
  const relabelled = train.map(([t, l]) => [t!, t === 'text 0 for a' || t === 'text 1 for a' ? 'b' : l!]);
  const after = await writeFiles(nextDir(), { 'train.csv': csv([...relabelled.slice(1), ['a new row', 'c']]) });
  const findings = await checkData(after, { ...TEXT, previous: { dir: before, revision: 'abcdef0123' } });
  const changes = found(findings, 'changes');
  expect(changes).toMatchObject({ count: 1, examples: ['a -> b: 1 row'] });
  expect(changes.detail).toMatch(/^since abcdef0 \(the model in service\): 1 rows added, 1 removed, 1 relabelled/);
  expect(changes.detail).toContain('train labels then: a: 5, b: 5, c: 5; now: b: 6, c: 6, a: 3');
  expect(found(findings, 'vanished_labels').count).toBe(0);
  expect(findings.previous).toEqual({
    revision: 'abcdef0123',
    rows: 15,
    labels: { a: 5, b: 5, c: 5 },
    added: 1,
    removed: 1,
    relabelled: 1,
  });

  const renamed = await writeFiles(nextDir(), { 'train.csv': csv(train).replace('text,label', 'text,category') });
  const schema = found(
    await checkData(renamed, { ...TEXT, previous: { dir: before, revision: 'abcdef0123' } }),
    'schema',
  );
  expect(schema.examples).toEqual(['label column: was "label" at abcdef0, now "category"']);
});

test('the check-data command prints the findings as one JSON line, and refuses bad options with exit code 2', async () => {
  const dir = await writeFiles(nextDir(), { 'train.csv': csv(train) });
  const run = (options: string) => checkCommand(dir, options);
  const ok = run(JSON.stringify({ task: 'text-classification' }));
  expect(ok.status).toBe(0);
  expect((JSON.parse(ok.stdout) as DataFindings).labels).toEqual({ a: 5, b: 5, c: 5 });
  const bad = run(JSON.stringify({ task: 'text-classification', min_rows_per_class: 0 }));
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/^error: --options\.min_rows_per_class: /);
});
