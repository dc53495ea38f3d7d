import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { TrainerInputError } from '../core/errors';
import { readParquet } from './read-parquet';
import type { TableFile } from './scan';

export type Row = Record<string, unknown>;

/** One data file read into rows. */
export interface Table {
  file: TableFile;
  columns: string[];
  rows: Row[];
  /** Label names of integer class columns, where the file says (the Hub's Parquet `ClassLabel` metadata). */
  classLabels: Record<string, string[]>;
}

export async function readTable(file: TableFile): Promise<Table> {
  if (file.format === 'parquet') {
    const { columns, rows, classLabels } = await readParquet(file);
    return { file, columns, rows, classLabels };
  }
  const text = await readFile(file.path, 'utf8');
  const rows =
    file.format === 'csv' || file.format === 'tsv'
      ? readCsv(text, file)
      : file.format === 'jsonl'
        ? readJsonLines(text, file)
        : readJson(text, file);
  return { file, columns: columnsOf(rows), rows, classLabels: {} };
}

function readCsv(text: string, file: TableFile): Row[] {
  try {
    return parseCsv<Row>(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      delimiter: file.format === 'tsv' ? '\t' : sniffDelimiter(text),
    });
  } catch (err) {
    throw new TrainerInputError(`${file.relativePath}: not a readable CSV file (${messageOf(err)})`);
  }
}

// Spreadsheets in many locales save ";"-separated ".csv" files: pick the separator the header uses most.
export function sniffDelimiter(text: string): string {
  const header = text.slice(0, text.indexOf('\n') >>> 0);
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) [best, bestCount] = [candidate, count];
  }
  return best;
}

function readJsonLines(text: string, file: TableFile): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TrainerInputError(`${file.relativePath}:${i + 1}: not valid JSON (${messageOf(err)})`);
    }
    if (!isRow(value)) throw new TrainerInputError(`${file.relativePath}:${i + 1}: expected a JSON object per line`);
    rows.push(value);
  }
  return rows;
}

/** A `.json` file: an array of objects, an object holding one such array, or JSON Lines (`datasets`' to_json). */
function readJson(text: string, file: TableFile): Row[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return readJsonLines(text, file);
  }
  const arrays = Array.isArray(value) ? [value] : isRow(value) ? Object.values(value).filter(Array.isArray) : [];
  const [array] = arrays;
  if (arrays.length === 1 && array !== undefined && array.every(isRow)) return array;
  throw new TrainerInputError(
    `${file.relativePath}: expected JSON Lines, an array of objects, or an object holding one array of objects`,
  );
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Column names in order of first appearance. */
function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
