import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { TrainerInputError } from '../core/errors';
import { readCardDataFiles, type CardDataFiles } from './card';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';

export interface DataFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the dataset folder, with `/` separators (for messages and split detection). */
  relativePath: string;
}

export interface TableFile extends DataFile {
  format: TableFormat;
}

export interface ScannedDataset {
  tables: TableFile[];
  images: DataFile[];
  /** Files neither kind (README.md, .gitattributes, ...), for messages. */
  other: string[];
  /** The data files the dataset card names for its default config (card.ts), when it names them. */
  card?: CardDataFiles;
}

const TABLE_EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
};

// Metadata the `datasets` library writes next to the data (save_to_disk, old Hub repos): not rows.
const METADATA_FILES = new Set(['dataset_info.json', 'dataset_infos.json', 'dataset_dict.json', 'state.json']);

/** Formats sharp decodes from its prebuilt binaries. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false; // a dangling link
  }
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/**
 * Every data file under `root`, sorted by relative path so every run sees the same order. Hidden files
 * and folders (`.git`, `.cache`, `.huggingface`) are skipped: they hold download state, not data.
 */
export async function scanDataset(root: string): Promise<ScannedDataset> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    throw new TrainerInputError(`the dataset folder ${root} does not exist or cannot be read`);
  }
  const out: ScannedDataset = { tables: [], images: [], other: [] };
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    // A Hugging Face cache snapshot links each file to a blob: follow links to files.
    if (!entry.isFile() && !(entry.isSymbolicLink() && (await isFile(path)))) continue;
    const relativePath = relative(root, path).split(sep).join('/');
    if (relativePath.split('/').some((part) => part.startsWith('.'))) continue;
    const ext = extensionOf(entry.name);
    const format = TABLE_EXTENSIONS[ext];
    if (format && !METADATA_FILES.has(entry.name)) out.tables.push({ path, relativePath, format });
    else if (IMAGE_EXTENSIONS.has(ext)) out.images.push({ path, relativePath });
    else out.other.push(relativePath);
  }
  const byPath = (a: DataFile, b: DataFile): number => (a.relativePath < b.relativePath ? -1 : 1);
  out.tables.sort(byPath);
  out.images.sort(byPath);
  out.other.sort();
  const card = await readCardDataFiles(root);
  if (card) out.card = card;
  return out;
}

/** "; found a, b, ..." for an error about a folder without usable files. */
export function foundNote(other: readonly string[]): string {
  if (other.length === 0) return '; the folder holds no files';
  const shown = other.slice(0, 8).join(', ');
  return `; found ${shown}${other.length > 8 ? `, ... (${other.length} files)` : ''}`;
}
