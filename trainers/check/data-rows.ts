/**
 * The rows a trainer would train on, one at a time, for the data checks: the same files, splits and columns as
 * the loaders (data/load-text.ts, data/load-images.ts) choose, but streamed (data/stream-rows.ts) and forgiving:
 * a cell of the wrong kind or a missing column is reported as a schema problem and the walk goes on, so one pass
 * counts every problem. Only a dataset whose columns cannot be chosen at all stops it (a TrainerInputError).
 */
import { dirname, join } from 'node:path';
import { TrainerInputError } from '../core/errors';
import { chooseImageColumn, chooseLabelColumn, chooseTextColumns } from '../data/columns';
import type { CardDataFiles } from '../data/card';
import { assignSplits, presentSplits } from '../data/dataset';
import type { Row, Table } from '../data/read-table';
import { foundNote, scanDataset, type DataFile, type TableFile } from '../data/scan';
import type { SplitName } from '../data/splits';
import { streamRows, type LocatedRow } from '../data/stream-rows';
import { describe, labelOf, textOf } from '../data/values';

export type CheckedTask = 'text-classification' | 'image-classification';

export interface ColumnParams {
  text_column?: string | string[];
  image_column?: string;
  label_column?: string;
}

/** The columns read: `inputs` are the text column(s) or the image column; image folders have none. */
export interface ColumnChoice {
  label?: string;
  inputs: string[];
}

export interface DataRow {
  split: SplitName;
  where: string;
  /** The table file the row is in (relative to the dataset); undefined for an image of an image folder. */
  file?: string;
  /** The class name; undefined for an unlabelled row. */
  label?: string;
  text?: string;
  /** An image: its bytes (a table cell), or its file. */
  image?: Uint8Array;
  imagePath?: string;
}

export interface OpenedRows {
  columns: ColumnChoice;
  rows: AsyncIterable<DataRow>;
}

/** How many first rows the column choice looks at (the longest text column). */
const SAMPLE_ROWS = 200;

/** `problem` is told every schema problem met on the way (a wrong kind of cell, a file without the column). */
export async function openRows(
  dir: string,
  task: CheckedTask,
  params: ColumnParams,
  problem: (where: string, what: string) => void,
): Promise<OpenedRows> {
  const scanned = await scanDataset(dir);
  if (scanned.tables.length > 0) return openTables(scanned.tables, task, params, problem, scanned.card);
  if (task === 'image-classification' && scanned.images.length > 0) {
    return { columns: { inputs: [] }, rows: folderRows(scanned.images, problem, scanned.card) };
  }
  throw new TrainerInputError(
    `no data files in ${dir}: expected ${task === 'image-classification' ? 'image folders (train/<label>/*.jpg) or ' : ''}` +
      `CSV, TSV, JSON Lines, JSON or Parquet files${foundNote(scanned.other)}`,
  );
}

async function* folderRows(
  images: DataFile[],
  problem: (where: string, what: string) => void,
  card?: CardDataFiles,
): AsyncGenerator<DataRow> {
  const { bySplit } = assignSplits(images, (image) => image.relativePath, card);
  for (const split of presentSplits(bySplit)) {
    for (const image of bySplit[split] ?? []) {
      const parts = image.relativePath.split('/');
      if (parts.length < 2) {
        problem(image.relativePath, 'an image outside any folder has no label (expected <label>/image.jpg)');
        continue;
      }
      yield { split, where: image.relativePath, label: parts.at(-2), imagePath: image.path };
    }
  }
}

async function openTables(
  tables: TableFile[],
  task: CheckedTask,
  params: ColumnParams,
  problem: (where: string, what: string) => void,
  card?: CardDataFiles,
): Promise<OpenedRows> {
  const { bySplit } = assignSplits(tables, (t) => t.relativePath, card);
  const splits = presentSplits(bySplit);
  const firstFile = bySplit[splits[0]!]![0]!;
  const first = await streamRows(firstFile);
  const sample: LocatedRow[] = [];
  const iterator = first.rows[Symbol.asyncIterator]();
  // A file that breaks within the sample still names its columns; the break is met where it is, in the walk.
  let broken: TrainerInputError | undefined;
  try {
    while (sample.length < SAMPLE_ROWS) {
      const next = await iterator.next();
      if (next.done) break;
      sample.push(next.value);
    }
  } catch (err) {
    if (!(err instanceof TrainerInputError) || first.columns.length === 0) throw err;
    broken = err;
  }
  const table: Table = {
    file: firstFile,
    columns: first.columns,
    rows: sample.map((s) => s.row),
    classLabels: first.classLabels,
  };
  const label = chooseLabelColumn(table, params.label_column);
  const inputs =
    task === 'image-classification'
      ? [chooseImageColumn(table, label, params.image_column)]
      : chooseTextColumns(table, label, params.text_column);
  const wanted = [label, ...inputs];

  async function* rows(): AsyncGenerator<DataRow> {
    for (const split of splits) {
      for (const file of bySplit[split] ?? []) {
        const stream =
          file === firstFile ? { ...first, rows: resumed(sample, iterator, broken) } : await streamRows(file, wanted);
        const missing = inputs.filter((c) => !stream.columns.includes(c));
        if (missing.length > 0) {
          problem(
            file.relativePath,
            `column ${missing.map((c) => `"${c}"`).join(', ')} is missing (read from ${firstFile.relativePath})`,
          );
          continue;
        }
        // A file without the label column (a Kaggle-style test.csv) is unlabelled, not an error.
        const labelled = stream.columns.includes(label);
        const names = stream.classLabels[label];
        for await (const { row, where } of stream.rows) {
          yield rowOf(row, where, split, { file, task, label: labelled ? label : undefined, names, inputs, problem });
        }
      }
    }
  }
  return { columns: { label, inputs }, rows: rows() };
}

async function* resumed(
  sample: LocatedRow[],
  rest: AsyncIterator<LocatedRow>,
  broken: TrainerInputError | undefined,
): AsyncGenerator<LocatedRow> {
  yield* sample;
  if (broken) throw broken;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

interface RowContext {
  file: TableFile;
  task: CheckedTask;
  label?: string;
  names?: string[];
  inputs: string[];
  problem: (where: string, what: string) => void;
}

function rowOf(row: Row, where: string, split: SplitName, ctx: RowContext): DataRow {
  const out: DataRow = { split, where, file: ctx.file.relativePath };
  const at = (): string => where;
  try {
    out.label = ctx.label === undefined ? undefined : labelOf(row[ctx.label], ctx.names, at);
  } catch (err) {
    ctx.problem(where, withoutPlace(err, where));
  }
  try {
    if (ctx.task === 'image-classification') Object.assign(out, imageOf(row[ctx.inputs[0]!], ctx.file));
    else {
      const parts = ctx.inputs.map((c) => textOf(row[c], at)).filter((t) => t !== undefined);
      if (parts.length > 0) out.text = parts.join('\n');
    }
  } catch (err) {
    ctx.problem(where, withoutPlace(err, where));
  }
  return out;
}

/** A cell of the image column: `{bytes, path}` (the Hub's Image feature), raw bytes, or a file name. */
function imageOf(value: unknown, file: TableFile): Pick<DataRow, 'image' | 'imagePath'> {
  if (value === null || value === undefined) return {};
  if (ArrayBuffer.isView(value)) return { image: asBytes(value) };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { bytes, path } = value as { bytes?: unknown; path?: unknown };
    if (ArrayBuffer.isView(bytes)) return { image: asBytes(bytes) };
    if (typeof path === 'string') return { imagePath: join(dirname(file.path), path) };
    return {};
  }
  if (typeof value === 'string') return value.trim() === '' ? {} : { imagePath: join(dirname(file.path), value) };
  throw new TrainerInputError(`expected an image ({bytes, path}, bytes or a file name), found ${describe(value)}`);
}

// Cells may come from another realm (a test runner's sandbox), so no instanceof: view the same memory.
function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** The readers' messages start with the place; the checks print the place themselves. */
function withoutPlace(err: unknown, where: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${where}: `) ? message.slice(where.length + 2) : message;
}
