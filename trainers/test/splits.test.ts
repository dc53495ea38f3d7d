import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCardDataFiles, splitsOfPathsByCard } from '../data/card';
import { splitOfFileName, splitOfFolders, splitsOfPaths } from '../data/splits';

describe('split names in paths, as the Hub reads them', () => {
  it.each([
    ['train.csv', 'train'],
    ['data/train-00000-of-00003.parquet', 'train'],
    ['training_set.jsonl', 'train'],
    ['validation.csv', 'validation'],
    ['dev.tsv', 'validation'],
    ['my_val_file.json', 'validation'],
    ['test.csv', 'test'],
    ['reviews.csv', undefined],
    ['contest.csv', undefined], // "test" inside a word is not a split
    ['trainers.csv', undefined],
  ])('file name %s -> %s', (path, split) => {
    expect(splitOfFileName(path)).toBe(split);
  });

  it.each([
    ['eval/part-1.jsonl', 'test'],
    ['train/part.jsonl', 'train'],
    ['data/validation/shard0.parquet', 'validation'],
    ['train/cat/test_001.jpg', 'train'], // the file name is not a folder
    ['data/part.csv', undefined],
  ])('folders of %s -> %s', (path, split) => {
    expect(splitOfFolders(path)).toBe(split);
  });
});

describe('splits of a whole dataset, decided at once as `datasets` does', () => {
  it.each([
    [
      ['train.csv', 'test.csv', 'contest.csv'],
      ['train', 'test', undefined],
    ],
    [
      ['a.csv', 'b/c.csv'],
      ['train', 'train'],
    ],
    // Folder names come before file names: eval.csv is left out once a folder names a split.
    [
      ['training/contest.csv', 'eval.csv'],
      ['train', undefined],
    ],
    [
      ['train/test.csv', 'validation/x.csv'],
      ['train', 'validation'],
    ],
    // The Hub's sharded names come first, and a split other than the three is left out.
    [
      ['data/train-00000-of-00001.csv', 'data/unsupervised-00000-of-00001.csv', 'test.csv'],
      ['train', undefined, undefined],
    ],
    [
      ['cat/1.png', 'dog/test_2.png'],
      [undefined, 'test'],
    ],
  ])('%j -> %j', (paths, splits) => {
    expect(splitsOfPaths(paths)).toEqual(splits);
  });
});

describe('the files a dataset card names for its default config (datasets: MetadataConfigs, sanitize_patterns)', () => {
  const paths = ['train.csv', 'reviews/2023.csv', 'reviews/old/2019.csv', 'holdout/final.csv', 'README.md'];

  it('takes each split from its patterns, `*` within one folder, `**` at any depth', () => {
    const card = { dataDir: '', patterns: { train: ['reviews/*.csv'], test: ['holdout/**'], extra: ['train.csv'] } };
    expect(splitsOfPathsByCard(paths, card)).toEqual([[], ['train'], [], ['test'], []]);
    expect(splitsOfPathsByCard(paths, { dataDir: '', patterns: { train: ['reviews/**/*.csv'] } })).toEqual([
      [],
      ['train'],
      ['train'],
      [],
      [],
    ]);
  });

  it('applies the name rules inside a data_dir named without data_files', () => {
    expect(splitsOfPathsByCard(['train/a.csv', 'now/train.csv', 'now/dev.csv'], { dataDir: 'now' })).toEqual([
      [],
      ['train'],
      ['validation'],
    ]);
  });

  it('reads the default config from README.md, and refuses several configs none of which is the default', async () => {
    const root = mkdtempSync(join(tmpdir(), 'card-'));
    const card = (configs: string): void =>
      writeFileSync(join(root, 'README.md'), `---\nlicense: mit\nconfigs:\n${configs}---\n# A dataset\n`);
    card('- config_name: a\n  data_files: a.csv\n- config_name: b\n  default: true\n  data_files: [b/*.csv]\n');
    expect(await readCardDataFiles(root)).toEqual({ dataDir: '', patterns: { train: ['b/*.csv'] } });
    card('- config_name: a\n  data_files: a.csv\n- config_name: b\n  data_files: b.csv\n');
    await expect(readCardDataFiles(root)).rejects.toThrow(/configs: no default config among a, b/);
    card('- config_name: default\n  data_files:\n  - split: train\n    path: x.csv\n  - path: y.csv\n');
    await expect(readCardDataFiles(root)).rejects.toThrow(/configs\[0\]\.data_files\[1\]: expected \{split/);
    writeFileSync(join(root, 'README.md'), '# No YAML header\n');
    expect(await readCardDataFiles(root)).toBeUndefined();
    writeFileSync(join(root, 'README.md'), '---\nlicense: [mit\n---\n'); // broken, and no configs: not read
    expect(await readCardDataFiles(root)).toBeUndefined();
    card('- config_name: default\n  data_files: [a.csv\n');
    await expect(readCardDataFiles(root)).rejects.toThrow(/README.md \(the dataset card\): not valid YAML/);
  });
});
