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
