import { TrainerInputError } from '../core/errors';
import type { Row } from './read-table';
import type { TableFile } from './scan';

export interface ParquetTable {
  columns: string[];
  rows: Row[];
  classLabels: Record<string, string[]>;
}

/**
 * Reads a whole Parquet file with hyparquet. hyparquet is ESM-only, so it is loaded with a dynamic import
 * (this package is CommonJS); the import happens only when a dataset holds Parquet files.
 * Binary columns stay bytes (`utf8: false`); string columns are strings; INT64 columns come back as bigint.
 */
export async function readParquet(file: TableFile): Promise<ParquetTable> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  try {
    const buffer = await asyncBufferFromFile(file.path);
    const metadata = await parquetMetadataAsync(buffer);
    const columns = parquetSchema(metadata).children.map((child) => child.element.name);
    const rows = (await parquetReadObjects({ file: buffer, metadata, compressors, utf8: false })) as Row[];
    return { columns, rows, classLabels: classLabelsOf(metadata.key_value_metadata ?? []) };
  } catch (err) {
    throw new TrainerInputError(
      `${file.relativePath}: not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/**
 * The `datasets` library stores its features in the `huggingface` key of the file metadata; a `ClassLabel`
 * column is an integer column whose names are listed there.
 */
export function classLabelsOf(keyValues: readonly { key: string; value?: string }[]): Record<string, string[]> {
  const raw = keyValues.find((kv) => kv.key === 'huggingface')?.value;
  if (!raw) return {};
  let features: unknown;
  try {
    features = (JSON.parse(raw) as { info?: { features?: unknown } }).info?.features;
  } catch {
    return {}; // metadata we cannot read only costs us the label names
  }
  const out: Record<string, string[]> = {};
  if (typeof features !== 'object' || features === null) return out;
  for (const [column, feature] of Object.entries(features)) {
    const names = (feature as { names?: unknown } | null)?.names;
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) out[column] = names;
  }
  return out;
}
