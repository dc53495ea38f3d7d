/**
 * A dataset's columns as the `datasets` library would see them, without loading its rows: the first data file's
 * columns (an imagefolder's metadata file and its images: `image` and the metadata's columns; image folders alone:
 * `image` and `label`), and which hold images. Then the label, image and text columns picked among them by the
 * trainers' column names (columns.ts). For a service that must name the columns itself before it trains
 * (AutoTrain's column_mapping), through `columns <data-dir>` (cli/columns.ts).
 */
import { assignSplits, presentSplits } from './dataset';
import { findColumn, IMAGE_COLUMNS, LABEL_COLUMNS, longestStringColumn, TEXT_COLUMNS } from './columns';
import { readTable, type Table } from './read-table';
import { scanDataset } from './scan';

export interface FoundColumns {
  columns: string[];
  /** Columns that hold images (an `Image` feature, or `{bytes, path}` cells). */
  imageColumns: string[];
  /** Where they were read from, for messages. */
  from: string;
}

export interface DatasetColumns extends FoundColumns {
  /** The columns the trainers' names pick, where one fits. */
  picked: { label?: string; image?: string; text?: string };
}

/**
 * `declared`: the columns the dataset declares (its card's `dataset_info.features`), which win over its files,
 * as they do for `datasets`; its files are then not read.
 */
export async function datasetColumns(dir: string, declared?: FoundColumns): Promise<DatasetColumns> {
  const { table, ...found }: FoundColumns & { table?: Table } = declared ?? (await readColumns(dir));
  const label = pick(found.columns, LABEL_COLUMNS);
  const others = found.columns.filter((c) => c !== label);
  return {
    ...found,
    picked: {
      label,
      image: pick(others, IMAGE_COLUMNS) ?? found.imageColumns.find((c) => c !== label),
      text: pick(others, TEXT_COLUMNS) ?? (table && longestStringColumn(table, others)),
    },
  };
}

/** The first column whose name (any case) is in `names`, in the order of `names`. */
function pick(columns: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const column = findColumn(columns, name);
    if (column !== undefined) return column;
  }
  return undefined;
}

async function readColumns(dir: string): Promise<FoundColumns & { table?: Table }> {
  const scanned = await scanDataset(dir);
  // An imagefolder's metadata file (metadata.csv/jsonl next to the images) adds columns; `file_name` becomes `image`.
  const metadata =
    scanned.images.length > 0 ? scanned.tables.find((t) => /(^|\/)metadata\.[^/]+$/.test(t.relativePath)) : undefined;
  if (metadata) {
    const table = await readTable(metadata);
    const columns = ['image', ...table.columns.filter((c) => c !== 'file_name')];
    return { columns, imageColumns: ['image'], from: `${metadata.relativePath} and the images`, table };
  }
  // The first file of the first split (the card may name files other than the first one found).
  const { bySplit } = assignSplits(scanned.tables, (t) => t.relativePath, scanned.card);
  const first = presentSplits(bySplit).map((s) => bySplit[s]?.[0])[0] ?? scanned.tables[0];
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
