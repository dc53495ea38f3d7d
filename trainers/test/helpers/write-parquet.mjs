// Writes a Parquet file for the tests, outside jest (hyparquet-writer is ESM-only, which jest on Node 20
// cannot load). Reads a JSON spec on stdin: {columns: [{name, type, data}], kv?: {key: value}}.
// Byte cells are given as {"base64": "..."}; type "IMAGE" writes the Hub's Image struct {bytes, path}.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { parquetWriteFile } from 'hyparquet-writer';

const [output] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(0, 'utf8'));
const bytes = (cell) => (cell === null ? null : new Uint8Array(Buffer.from(cell.base64, 'base64')));

const columnData = [];
const schema = [{ name: 'root', num_children: spec.columns.length }];
for (const column of spec.columns) {
  if (column.type === 'IMAGE') {
    columnData.push({ name: column.name, data: column.data.map((c) => ({ bytes: bytes(c.bytes), path: c.path })) });
    schema.push(
      { name: column.name, repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    );
  } else if (column.type === 'INT64') {
    columnData.push({ name: column.name, data: column.data.map((v) => (v === null ? null : BigInt(v))) });
    schema.push({ name: column.name, type: 'INT64', repetition_type: 'OPTIONAL' });
  } else {
    columnData.push({ name: column.name, data: column.data });
    schema.push({ name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
  }
}
const kvMetadata = Object.entries(spec.kv ?? {}).map(([key, value]) => ({ key, value }));
parquetWriteFile({ filename: output, columnData, schema, kvMetadata });
