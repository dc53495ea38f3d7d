/**
 * The `column_mapping` AutoTrain's create_project requires (autotrain-advanced `api_routes.py`,
 * `APICreateProjectModel.validate_column_mapping`: no server-side defaults). A pipeline may name it in
 * `backend.column_mapping`; otherwise it is read from the dataset at the run's revision, the way `datasets` sees
 * its columns (the card's `dataset_info.features`, else the first data file's columns, else `image` and `label`
 * for images in `<split>/<label>/` folders), and chosen with the same column names as the trainers in
 * trainers/ (trainers/data/columns.ts).
 */
import { IMAGE_COLUMNS, LABEL_COLUMNS, TEXT_COLUMNS } from '../../../trainers/data/columns';
import { readTable, type Table } from '../../../trainers/data/read-table';
import { scanDataset } from '../../../trainers/data/scan';
import { AUTOTRAIN_COLUMN_MAPPING_KEYS } from '../../config/backends';
import { PermanentBackendError } from '../types';

export type ColumnMapping = Record<string, string | string[]>;

export interface ColumnMappingChoice {
  mapping: ColumnMapping;
  /** Where it came from: `backend.column_mapping`, or what the columns were read from. */
  from: string;
}

interface FoundColumns {
  columns: string[];
  /** Columns that hold images (an `Image` feature, or `{bytes, path}` cells). */
  imageColumns: string[];
  from: string;
  /** The table the columns were read from, when there was one (to find the text column by its values). */
  table?: Table;
}

export interface ColumnMappingInput {
  task: string;
  configured?: ColumnMapping;
  /** The dataset at the run's revision, downloaded. */
  dir: string;
  /** The card's YAML front matter as the Hub parsed it. */
  cardData?: Record<string, unknown>;
  /** `owner/name@sha7`, for messages. */
  dataset: string;
}

export async function chooseColumnMapping(input: ColumnMappingInput): Promise<ColumnMappingChoice> {
  const found = await findColumns(input.dir, input.cardData);
  const listed = found.columns.length > 0 ? found.columns.map((c) => `"${c}"`).join(', ') : 'none';
  const keys = AUTOTRAIN_COLUMN_MAPPING_KEYS[input.task] ?? [];
  if (input.configured) {
    const missing = Object.entries(input.configured).flatMap(([key, columns]) =>
      ([] as string[])
        .concat(columns)
        .filter((c) => !found.columns.includes(c))
        .map((c) => `${key} "${c}"`),
    );
    if (found.columns.length > 0 && missing.length > 0) {
      throw new PermanentBackendError(
        `backend.column_mapping names ${missing.join(', ')}, but ${input.dataset} ` +
          `has no such column; columns found: ${listed} (read from ${found.from})`,
      );
    }
    return { mapping: input.configured, from: 'backend.column_mapping' };
  }
  const target = pick(found.columns, LABEL_COLUMNS);
  const others = found.columns.filter((c) => c !== target);
  const mapping: ColumnMapping = {};
  if (target) mapping.target_column = target;
  if (input.task === 'image-classification') {
    const image = pick(others, IMAGE_COLUMNS) ?? found.imageColumns.find((c) => c !== target);
    if (image) mapping.image_column = image;
  } else if (input.task === 'text-classification') {
    const text = pick(others, TEXT_COLUMNS) ?? longestText(found.table, others);
    if (text) mapping.text_column = text;
  }
  const unmapped = keys.filter((k) => mapping[k] === undefined);
  if (keys.length === 0 || unmapped.length > 0) {
    const needed = keys.length > 0 ? keys : ['...'];
    throw new PermanentBackendError(
      `cannot tell which columns of ${input.dataset} AutoTrain should train ${input.task} on: ` +
        `${unmapped.length > 0 ? `no ${unmapped.join(' or ')} found` : 'no rule for this task'}; ` +
        `columns found: ${listed} (read from ${found.from}). Name them in backend.column_mapping ` +
        `(${needed.map((k) => `"${k}"`).join(', ')})`,
    );
  }
  return { mapping, from: found.from };
}

/** The first column whose name (any case) is in `names`, in the order of `names`. */
function pick(columns: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const column = columns.find((c) => c.toLowerCase() === name.toLowerCase());
    if (column !== undefined) return column;
  }
  return undefined;
}

/** Unknown schema: the string column with the longest values (the trainers' rule). */
function longestText(table: Table | undefined, columns: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestLength = 0;
  for (const column of columns) {
    const values = (table?.rows ?? []).slice(0, 200).map((row) => row[column]);
    if (!values.every((v) => typeof v === 'string' || v === null || v === undefined)) continue;
    const length = values.reduce<number>((sum, v) => sum + (typeof v === 'string' ? v.length : 0), 0);
    if (length > bestLength) [best, bestLength] = [column, length];
  }
  return best;
}

async function findColumns(dir: string, cardData: Record<string, unknown> | undefined): Promise<FoundColumns> {
  const declared = declaredFeatures(cardData);
  if (declared) return declared;
  const scanned = await scanDataset(dir);
  // An imagefolder's metadata file (metadata.csv/jsonl next to the images) adds columns; `file_name` becomes `image`.
  const metadata =
    scanned.images.length > 0 ? scanned.tables.find((t) => /(^|\/)metadata\.[^/]+$/.test(t.relativePath)) : undefined;
  if (metadata) {
    const table = await readTable(metadata);
    const columns = ['image', ...table.columns.filter((c) => c !== 'file_name')];
    return { columns, imageColumns: ['image'], from: `${metadata.relativePath} and the images`, table };
  }
  const first = scanned.tables[0];
  if (first) {
    const table = await readTable(first);
    const row = table.rows[0] ?? {};
    const imageColumns = table.columns.filter((c) => {
      const value = row[c];
      return ArrayBuffer.isView(value) || (typeof value === 'object' && value !== null && 'bytes' in value);
    });
    return { columns: table.columns, imageColumns, from: first.relativePath, table };
  }
  if (scanned.images.length > 0) {
    return { columns: ['image', 'label'], imageColumns: ['image'], from: 'image folders (<split>/<label>/<image>)' };
  }
  const files = scanned.other.slice(0, 8).join(', ') || 'no files';
  return { columns: [], imageColumns: [], from: `no data files (found ${files})` };
}

/** `dataset_info.features` of the card (one config, or the first of several): names, and which are images. */
function declaredFeatures(cardData: Record<string, unknown> | undefined): FoundColumns | undefined {
  const info = cardData?.dataset_info;
  const first: unknown = Array.isArray(info) ? info[0] : info;
  const features = (first as { features?: unknown } | undefined)?.features;
  if (!Array.isArray(features)) return undefined;
  const named = features.filter(
    (f): f is Record<string, unknown> & { name: string } =>
      typeof f === 'object' && f !== null && typeof (f as { name?: unknown }).name === 'string',
  );
  if (named.length === 0) return undefined;
  const isImage = (f: Record<string, unknown>) => f.dtype === 'image' || (f as { _type?: unknown })._type === 'Image';
  return {
    columns: named.map((f) => f.name),
    imageColumns: named.filter(isImage).map((f) => f.name),
    from: 'the dataset card (dataset_info.features)',
  };
}
