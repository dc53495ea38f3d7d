import { TrainerInputError } from '../core/errors';
import type { Table } from './read-table';

// Names the Hub's text and image classification datasets use most, in order of preference.
export const TEXT_COLUMNS = [
  'text',
  'sentence',
  'review',
  'content',
  'body',
  'document',
  'comment',
  'message',
  'utterance',
  'tweet',
  'sms',
  'question',
  'title',
  'input',
];
export const TEXT_PAIRS = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question1', 'question2'],
  ['question', 'sentence'],
];
export const LABEL_COLUMNS = ['label', 'labels', 'target', 'class', 'category', 'sentiment', 'intent', 'topic', 'y'];
export const IMAGE_COLUMNS = [
  'image',
  'img',
  'picture',
  'photo',
  'file_name',
  'filename',
  'image_path',
  'path',
  'file',
];

/** The column named `wanted`, in any case. */
export function findColumn(columns: readonly string[], wanted: string): string | undefined {
  return columns.find((c) => c.toLowerCase() === wanted.toLowerCase());
}

function listColumns(table: Table): string {
  return table.columns.length > 0 ? table.columns.map((c) => `"${c}"`).join(', ') : '(none)';
}

/** An explicitly named column that must exist. */
export function requireColumn(table: Table, column: string, param: string): string {
  if (table.columns.includes(column)) return column;
  throw new TrainerInputError(
    `${table.file.relativePath}: column "${column}" (RETRAIN_PARAMS.${param}) not found; columns are ${listColumns(table)}`,
  );
}

export function chooseLabelColumn(table: Table, override: string | undefined): string {
  if (override !== undefined) return requireColumn(table, override, 'label_column');
  for (const wanted of LABEL_COLUMNS) {
    const column = findColumn(table.columns, wanted);
    if (column === undefined) continue;
    // Integer codes next to their names (`label` + `label_text`): train on the names.
    if (!table.classLabels[column]) {
      const named = findColumn(table.columns, `${column}_text`) ?? findColumn(table.columns, `${column}_name`);
      if (named !== undefined) return named;
    }
    return column;
  }
  throw new TrainerInputError(
    `${table.file.relativePath}: no label column found; columns are ${listColumns(table)}. ` +
      `Expected one of ${LABEL_COLUMNS.join(', ')}, or name it with RETRAIN_PARAMS.label_column`,
  );
}

/** The text column(s); a pair (`premise` + `hypothesis`) is read as one text. */
export function chooseTextColumns(table: Table, label: string, override: string | string[] | undefined): string[] {
  if (override !== undefined) {
    return (Array.isArray(override) ? override : [override]).map((c) => requireColumn(table, c, 'text_column'));
  }
  for (const wanted of TEXT_COLUMNS) {
    const column = findColumn(table.columns, wanted);
    if (column !== undefined && column !== label) return [column];
  }
  for (const pair of TEXT_PAIRS) {
    const columns = pair.map((wanted) => findColumn(table.columns, wanted));
    if (columns.every((c): c is string => c !== undefined)) return columns;
  }
  const longest = longestStringColumn(
    table,
    table.columns.filter((c) => c !== label),
  );
  if (longest !== undefined) return [longest];
  throw new TrainerInputError(
    `${table.file.relativePath}: no text column found; columns are ${listColumns(table)}. ` +
      `Expected one of ${TEXT_COLUMNS.join(', ')}, or name it with RETRAIN_PARAMS.text_column`,
  );
}

/** Unknown schema: among `columns`, the string column with the longest values is the text far more often than not. */
export function longestStringColumn(table: Table, columns: readonly string[]): string | undefined {
  const sample = table.rows.slice(0, 200);
  let best: string | undefined;
  let bestLength = 0;
  for (const column of columns) {
    const values = sample.map((row) => row[column]);
    if (!values.every((v) => typeof v === 'string' || v === null || v === undefined)) continue;
    const length = values.reduce<number>((sum, v) => sum + (typeof v === 'string' ? v.length : 0), 0);
    if (length > bestLength) [best, bestLength] = [column, length];
  }
  return best;
}

export function chooseImageColumn(table: Table, label: string, override: string | undefined): string {
  if (override !== undefined) return requireColumn(table, override, 'image_column');
  for (const wanted of IMAGE_COLUMNS) {
    const column = findColumn(table.columns, wanted);
    if (column !== undefined && column !== label) return column;
  }
  // The Hub's Image feature is a struct {bytes, path}, whatever the column is called.
  const first = table.rows[0] ?? {};
  const column = table.columns.find((c) => {
    const value = first[c];
    return ArrayBuffer.isView(value) || (typeof value === 'object' && value !== null && 'bytes' in value);
  });
  if (column !== undefined) return column;
  throw new TrainerInputError(
    `${table.file.relativePath}: no image column found; columns are ${listColumns(table)}. ` +
      `Expected a column of images ({bytes, path}) or file names (${IMAGE_COLUMNS.join(', ')}), ` +
      'or name it with RETRAIN_PARAMS.image_column',
  );
}

/** A column chosen from the first file must be in every other file of the dataset. */
export function requireSameColumn(table: Table, column: string, first: Table): void {
  if (table.columns.includes(column)) return;
  throw new TrainerInputError(
    `${table.file.relativePath}: column "${column}" (read from ${first.file.relativePath}) is missing; ` +
      `columns are ${table.columns.map((c) => `"${c}"`).join(', ')}`,
  );
}
