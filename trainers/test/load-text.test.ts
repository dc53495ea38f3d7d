import { loadTextDataset } from '../data/load-text';
import { TrainerInputError } from '../core/errors';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('load-text');

const CSV = 'text,label\nfast delivery,positive\n"broke, sadly",negative\n';

describe('loading text datasets', () => {
  it('reads train.csv and validation.csv as the train and validation splits', async () => {
    const dir = await writeFiles(newDir(), { 'train.csv': CSV, 'validation.csv': 'text,label\nok,neutral\n' });
    const data = await loadTextDataset(dir);
    expect(data.splits.train).toEqual([
      { text: 'fast delivery', label: 'positive' },
      { text: 'broke, sadly', label: 'negative' },
    ]);
    expect(data.splits.validation).toEqual([{ text: 'ok', label: 'neutral' }]);
    expect(data.columns).toEqual({ text: 'text', label: 'label' });
  });

  it('finds splits in Hub file names and folder names', async () => {
    const dir = await writeFiles(newDir(), {
      'train/part-0.jsonl': '{"text": "a", "label": "x"}\n',
      'train/part-1.jsonl': '{"text": "b", "label": "y"}\n',
      'valid/part.jsonl': '{"text": "c", "label": "x"}\n',
      'test/part-0.jsonl': '{"text": "d", "label": "y"}\n',
    });
    const data = await loadTextDataset(dir);
    expect(data.files).toEqual({
      train: ['train/part-0.jsonl', 'train/part-1.jsonl'],
      validation: ['valid/part.jsonl'],
      test: ['test/part-0.jsonl'],
    });
    expect(data.splits.train?.map((r) => r.text)).toEqual(['a', 'b']);
    expect(data.splits.test?.map((r) => r.text)).toEqual(['d']);
  });

  it("reads the Hub's sharded names before anything else, as `datasets` does", async () => {
    const dir = await writeFiles(newDir(), {
      'data/train-00000-of-00002.jsonl': '{"text": "a", "label": "x"}\n',
      'data/train-00001-of-00002.jsonl': '{"text": "b", "label": "y"}\n',
      'valid/part.jsonl': '{"text": "c", "label": "x"}\n',
    });
    const data = await loadTextDataset(dir);
    expect(data.files).toEqual({ train: ['data/train-00000-of-00002.jsonl', 'data/train-00001-of-00002.jsonl'] });
    expect(data.ignoredFiles).toEqual(['valid/part.jsonl']);
  });

  it('treats files that name no split as train, unless other files do', async () => {
    const unnamed = await writeFiles(newDir(), { 'reviews.csv': CSV, 'more/reviews-2.csv': CSV });
    expect((await loadTextDataset(unnamed)).splits.train).toHaveLength(4);

    const mixed = await writeFiles(newDir(), { 'train.csv': CSV, 'notes.csv': CSV });
    const data = await loadTextDataset(mixed);
    expect(data.splits.train).toHaveLength(2);
    expect(data.ignoredFiles).toEqual(['notes.csv']);
  });

  it('leaves out the metadata files the datasets library writes next to the data', async () => {
    const dir = await writeFiles(newDir(), {
      'dataset_dict.json': '{"splits": ["train"]}',
      'train/dataset_info.json': '{"features": {}}',
      'train/state.json': '{"_data_files": []}',
      'train/data.jsonl': '{"text": "a", "label": "x"}\n',
    });
    const data = await loadTextDataset(dir);
    expect(data.files).toEqual({ train: ['train/data.jsonl'] });
  });

  it('reads JSON arrays, JSON Lines saved as .json, TSV and semicolon-separated CSV alike', async () => {
    const expected = [
      { text: 'good', label: 'pos' },
      { text: 'bad', label: 'neg' },
    ];
    const layouts: Record<string, string> = {
      'train.json': JSON.stringify([
        { text: 'good', label: 'pos' },
        { text: 'bad', label: 'neg' },
      ]),
      'train.jsonl': '{"text":"good","label":"pos"}\n\n{"text":"bad","label":"neg"}\n',
      'train.tsv': 'text\tlabel\ngood\tpos\nbad\tneg\n',
      'train.csv': '\ufefftext;label\ngood;pos\nbad;neg\n',
    };
    for (const [name, content] of Object.entries(layouts)) {
      const dir = await writeFiles(newDir(), { [name]: content });
      expect((await loadTextDataset(dir)).splits.train).toEqual(expected);
    }
    const wrapped = await writeFiles(newDir(), { 'train.json': JSON.stringify({ version: 2, data: expected }) });
    expect((await loadTextDataset(wrapped)).splits.train).toEqual(expected);
  });

  it('detects common column names and prefers label names over their integer codes', async () => {
    const dir = await writeFiles(newDir(), {
      'train.csv': 'idx,sentence,label,label_text\n1,loved it,2,positive\n2,hated it,0,negative\n',
    });
    const data = await loadTextDataset(dir);
    expect(data.columns).toEqual({ text: 'sentence', label: 'label_text' });
    expect(data.splits.train?.[0]).toEqual({ text: 'loved it', label: 'positive' });
  });

  it('joins sentence pairs into one text', async () => {
    const dir = await writeFiles(newDir(), {
      'train.jsonl': '{"premise": "A man sleeps.", "hypothesis": "Nobody sleeps.", "label": 2}\n',
    });
    expect((await loadTextDataset(dir)).splits.train).toEqual([{ text: 'A man sleeps.\nNobody sleeps.', label: '2' }]);
  });

  it('uses the columns named in the parameters', async () => {
    const dir = await writeFiles(newDir(), {
      'train.csv': 'title,body,stars,label\nGreat,works well,5,x\nMeh,broke,1,y\n',
    });
    const data = await loadTextDataset(dir, { text_column: ['title', 'body'], label_column: 'stars' });
    expect(data.splits.train).toEqual([
      { text: 'Great\nworks well', label: '5' },
      { text: 'Meh\nbroke', label: '1' },
    ]);
  });

  it('skips unlabelled rows: empty, null, -1, and a split file without the label column', async () => {
    const dir = await writeFiles(newDir(), {
      'train.jsonl': [
        '{"text":"a","label":1}',
        '{"text":"b","label":-1}',
        '{"text":"c","label":null}',
        '{"text":"d"}',
      ].join('\n'),
      'test.csv': 'text\nhidden\n',
    });
    const data = await loadTextDataset(dir);
    expect(data.splits.train).toEqual([{ text: 'a', label: '1' }]);
    expect(data.skippedRows).toEqual({ train: 3, test: 1 });
    expect(data.splits.test).toEqual([]);
  });

  it('falls back to the longest string column when no name is known', async () => {
    const dir = await writeFiles(newDir(), { 'train.csv': 'code,utterance_de,label\nA1,ich möchte bezahlen,pay\n' });
    expect((await loadTextDataset(dir)).columns).toEqual({ text: 'utterance_de', label: 'label' });
  });
});

describe('unusable text datasets fail with a message that names the file and what was expected', () => {
  const cases: [string, Record<string, string>, object, RegExp][] = [
    ['an empty folder', {}, {}, /no data files in .*expected CSV, TSV, JSON Lines, JSON or Parquet/],
    ['only other files', { 'README.md': '# hi' }, {}, /found README\.md/],
    [
      'no label column',
      { 'train.csv': 'text,score\na,1\n' },
      {},
      /train\.csv: no label column found; columns are "text", "score".*label_column/,
    ],
    [
      'a missing override',
      { 'train.csv': CSV },
      { text_column: 'body' },
      /train\.csv: column "body" \(RETRAIN_PARAMS\.text_column\) not found/,
    ],
    [
      'a broken JSON line',
      { 'train.jsonl': '{"text":"a","label":"x"}\n{"text": oops}\n' },
      {},
      /train\.jsonl:2: not valid JSON/,
    ],
    [
      'a non-object JSON line',
      { 'train.jsonl': '["a", "x"]\n' },
      {},
      /train\.jsonl:1: expected a JSON object per line/,
    ],
    [
      'multi-label rows',
      { 'train.jsonl': '{"text":"a","labels":["x","y"]}\n' },
      {},
      /train\.jsonl: row 1: the label is a list; .*single-label/,
    ],
    ['a ragged CSV', { 'train.csv': 'text,label\na,b,c\n' }, {}, /train\.csv: not a readable CSV file/],
    [
      'a split missing the text column',
      { 'train.csv': CSV, 'test.csv': 'body,label\nx,y\n' },
      {},
      /test\.csv: column "text" \(read from train\.csv\) is missing/,
    ],
  ];
  it.each(cases)('%s', async (_name, files, params, message) => {
    const dir = await writeFiles(newDir(), files);
    const loading = loadTextDataset(dir, params);
    await expect(loading).rejects.toThrow(TrainerInputError);
    await expect(loading).rejects.toThrow(message);
  });
});
