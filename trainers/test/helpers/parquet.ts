import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type ParquetColumn =
  | { name: string; type: 'STRING'; data: (string | null)[] }
  | { name: string; type: 'INT64'; data: (number | null)[] }
  | { name: string; type: 'IMAGE'; data: { bytes: Uint8Array | null; path: string | null }[] };

/**
 * Writes a Parquet file the way the Hub's `datasets` library lays one out (INT64 class ids with their
 * `ClassLabel` names in the `huggingface` metadata, images as `{bytes, path}` structs), in a child process.
 */
export function writeParquet(path: string, columns: ParquetColumn[], classLabels: Record<string, string[]> = {}): void {
  const features = Object.fromEntries(
    Object.entries(classLabels).map(([column, names]) => [column, { names, _type: 'ClassLabel' }]),
  );
  const spec = {
    columns: columns.map((column) =>
      column.type === 'IMAGE'
        ? {
            ...column,
            data: column.data.map((cell) => ({
              path: cell.path,
              bytes: cell.bytes ? { base64: Buffer.from(cell.bytes).toString('base64') } : null,
            })),
          }
        : column,
    ),
    kv: Object.keys(features).length > 0 ? { huggingface: JSON.stringify({ info: { features } }) } : {},
  };
  mkdirSync(dirname(path), { recursive: true });
  execFileSync(process.execPath, [join(__dirname, 'write-parquet.mjs'), path], { input: JSON.stringify(spec) });
}
