import { splitOfPath } from '../data/splits';

describe('split names in paths, as the Hub reads them', () => {
  it.each([
    ['train.csv', 'train'],
    ['data/train-00000-of-00003.parquet', 'train'],
    ['training_set.jsonl', 'train'],
    ['validation.csv', 'validation'],
    ['data/valid-00000-of-00001.parquet', 'validation'],
    ['dev.tsv', 'validation'],
    ['my_val_file.json', 'validation'],
    ['test.csv', 'test'],
    ['eval/part-1.jsonl', 'test'],
    ['train/part.jsonl', 'train'],
    ['data/validation/shard0.parquet', 'validation'],
    ['train/test.csv', 'test'], // the file name wins over its folder
    ['reviews.csv', undefined],
    ['contest.csv', undefined], // "test" inside a word is not a split
    ['trainers.csv', undefined],
  ])('%s -> %s', (path, split) => {
    expect(splitOfPath(path)).toBe(split);
  });

  it('can ignore the file name (images are often named test_001.jpg)', () => {
    expect(splitOfPath('train/cat/test_001.jpg', { folderOnly: true })).toBe('train');
  });
});
