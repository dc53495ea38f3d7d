/**
 * The rows of a data file one at a time, without holding the file in memory: CSV and TSV through csv-parse's
 * stream, JSON Lines line by line, Parquet one row group at a time (only the columns asked for). A `.json`
 * array is read whole (its format cannot be streamed; such files are small in practice). Each row carries where
 * it is (`train.csv:12`, `data/train.parquet row 12`), and a file that cannot be parsed is a TrainerInputError
 * naming the file and the line.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { TrainerInputError } from '../core/errors';
import { classLabelsOf } from './read-parquet';
import { messageOf, readTable, sniffDelimiter, type Row } from './read-table';
import type { TableFile } from './scan';

export interface LocatedRow {
  row: Row;
  /** `train.csv:12` (the record's first line) or `train.parquet row 12`, for messages. */
  where: string;
}

export interface RowStream {
  /** The file's columns, from its header or its first row (a Parquet file's schema). */
  columns: string[];
  /** Label names of integer class columns (the Hub's Parquet `ClassLabel` metadata). */
  classLabels: Record<string, string[]>;
  rows: AsyncIterable<LocatedRow>;
}

/** `columns`: the Parquet columns to read (all when absent); text formats always read every column. */
export async function streamRows(file: TableFile, columns?: readonly string[]): Promise<RowStream> {
  if (file.format === 'parquet') return streamParquet(file, columns);
  if (file.format === 'csv' || file.format === 'tsv') return withColumns(file, streamCsv(file));
  if (file.format === 'jsonl') return withColumns(file, streamJsonLines(file));
  const table = await readTable(file);
  const rows = async function* (): AsyncGenerator<LocatedRow> {
    for (const [i, row] of table.rows.entries()) yield { row, where: `${file.relativePath} row ${i + 1}` };
  };
  return { columns: table.columns, classLabels: {}, rows: rows() };
}

/** Text formats name their columns in the first record: read it, then hand it back first. */
async function withColumns(file: TableFile, rows: AsyncGenerator<LocatedRow>): Promise<RowStream> {
  const first = await rows.next();
  const columns = first.done ? [] : Object.keys(first.value.row);
  const all = async function* (): AsyncGenerator<LocatedRow> {
    if (!first.done) yield first.value;
    yield* rows;
  };
  return { columns, classLabels: {}, rows: all() };
}

async function* streamCsv(file: TableFile): AsyncGenerator<LocatedRow> {
  const delimiter = file.format === 'tsv' ? '\t' : sniffDelimiter(await head(file.path));
  const parser = createReadStream(file.path).pipe(
    parseCsv({ columns: true, bom: true, skip_empty_lines: true, delimiter, info: true }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
      yield { row: record.record, where: `${file.relativePath}:${record.info.lines}` };
    }
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    const at = typeof line === 'number' ? `:${line}` : '';
    throw new TrainerInputError(`${file.relativePath}${at}: not a readable CSV file (${messageOf(err)})`);
  }
}

/** The first 64 KiB of a file, for its header line. */
async function head(path: string): Promise<string> {
  const handle = await open(path);
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function* streamJsonLines(file: TableFile): AsyncGenerator<LocatedRow> {
  const lines = createInterface({ input: createReadStream(file.path), crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    const line = text.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TrainerInputError(`${file.relativePath}:${number}: not valid JSON (${messageOf(err)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TrainerInputError(`${file.relativePath}:${number}: expected a JSON object per line`);
    }
    yield { row: value as Row, where: `${file.relativePath}:${number}` };
  }
}

async function streamParquet(file: TableFile, wanted?: readonly string[]): Promise<RowStream> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const fail = (err: unknown): never => {
    throw new TrainerInputError(`${file.relativePath}: not a readable Parquet file (${messageOf(err)})`);
  };
  const buffer = await asyncBufferFromFile(file.path).catch(fail);
  const metadata = await parquetMetadataAsync(buffer).catch(fail);
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  const read = wanted?.filter((c) => columns.includes(c));
  const rows = async function* (): AsyncGenerator<LocatedRow> {
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const objects = (await parquetReadObjects({
        file: buffer,
        metadata,
        compressors,
        utf8: false,
        rowStart: start,
        rowEnd: end,
        ...(read ? { columns: read } : {}),
      }).catch(fail)) as Row[];
      for (const [i, row] of objects.entries()) yield { row, where: `${file.relativePath} row ${start + i + 1}` };
      start = end;
    }
  };
  return { columns, classLabels: classLabelsOf(metadata.key_value_metadata ?? []), rows: rows() };
}
