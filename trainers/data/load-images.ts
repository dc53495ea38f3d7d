import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TrainerInputError } from '../core/errors';
import { chooseImageColumn, chooseLabelColumn, requireSameColumn } from './columns';
import type { CardDataFiles } from './card';
import { assignSplits, presentSplits, type LoadedDataset } from './dataset';
import { readTable, type Table } from './read-table';
import { foundNote, scanDataset, type DataFile, type TableFile } from './scan';
import { describe, labelOf } from './values';

/** An image to decode: a file, or bytes from a table cell (`name` is for messages). */
export type ImageSource = { path: string } | { bytes: Uint8Array; name: string };

export interface ImageExample {
  image: ImageSource;
  label: string;
}

export interface ImageColumnParams {
  image_column?: string;
  label_column?: string;
}

/**
 * Image classification examples under `dir`: tables with an image column (the Hub's Parquet `{bytes, path}`,
 * or file names as in an imagefolder `metadata.csv`), else image files labelled by their folder
 * (`train/<label>/*.jpg`, or `<label>/*.jpg` for one split).
 */
export async function loadImageDataset(
  dir: string,
  params: ImageColumnParams = {},
): Promise<LoadedDataset<ImageExample>> {
  const scanned = await scanDataset(dir);
  if (scanned.tables.length > 0) return loadFromTables(scanned.tables, params, scanned.card);
  if (scanned.images.length > 0) return loadFromFolders(scanned.images, scanned.card);
  throw new TrainerInputError(
    `no images in ${dir}: expected image folders (train/<label>/*.jpg|png) or Parquet files with an image ` +
      `column${foundNote(scanned.other)}`,
  );
}

function loadFromFolders(images: DataFile[], card?: CardDataFiles): LoadedDataset<ImageExample> {
  const unlabelled = images.find((image) => !image.relativePath.includes('/'));
  if (unlabelled) {
    throw new TrainerInputError(
      `${unlabelled.relativePath}: an image outside any folder has no label; expected <label>/image.jpg ` +
        'or train/<label>/image.jpg',
    );
  }
  // The folder holding an image is its label; the split comes from the Hub's rules for the whole folder.
  const labelOfImage = (image: DataFile): string => image.relativePath.split('/').slice(-2)[0] ?? '';
  const { bySplit, ignored } = assignSplits(images, (image) => image.relativePath, card);
  const out = emptyDataset(ignored);
  for (const split of presentSplits(bySplit)) {
    const files = bySplit[split] ?? [];
    out.splits[split] = files.map((image) => ({ image: { path: image.path }, label: labelOfImage(image) }));
    out.files[split] = [...new Set(files.map((image) => dirname(dirname(image.relativePath))))];
    out.skippedRows[split] = 0;
  }
  return out;
}

async function loadFromTables(
  tables: TableFile[],
  params: ImageColumnParams,
  card?: CardDataFiles,
): Promise<LoadedDataset<ImageExample>> {
  const { bySplit, ignored } = assignSplits(tables, (t) => t.relativePath, card);
  const out = emptyDataset(ignored);
  let chosen: { first: Table; label: string; image: string } | undefined;
  for (const split of presentSplits(bySplit)) {
    const examples: ImageExample[] = (out.splits[split] = []);
    out.files[split] = [];
    let skipped = 0;
    for (const file of bySplit[split] ?? []) {
      const table = await readTable(file);
      out.files[split].push(file.relativePath);
      if (!chosen) {
        const label = chooseLabelColumn(table, params.label_column);
        chosen = { first: table, label, image: chooseImageColumn(table, label, params.image_column) };
      }
      const { first, label: labelColumn, image: imageColumn } = chosen;
      requireSameColumn(table, imageColumn, first);
      const labelled = table.columns.includes(labelColumn);
      const names = table.classLabels[labelColumn];
      table.rows.forEach((row, i) => {
        const where = (): string => `${file.relativePath}: row ${i + 1}`;
        const label = labelled ? labelOf(row[labelColumn], names, where) : undefined;
        const image = imageOf(row[imageColumn], file, where);
        if (label === undefined || image === undefined) skipped++;
        else examples.push({ image, label });
      });
    }
    out.skippedRows[split] = skipped;
  }
  if (chosen) out.columns = { image: chosen.image, label: chosen.label };
  return out;
}

/** A cell of the image column: `{bytes, path}` (the Hub's Image feature), raw bytes, or a file name. */
function imageOf(value: unknown, file: TableFile, where: () => string): ImageSource | undefined {
  if (value === null || value === undefined) return undefined;
  if (ArrayBuffer.isView(value)) return { bytes: asBytes(value), name: where() };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { bytes, path } = value as { bytes?: unknown; path?: unknown };
    if (ArrayBuffer.isView(bytes)) return { bytes: asBytes(bytes), name: typeof path === 'string' ? path : where() };
    if (typeof path === 'string') return imageFile(path, file, where);
    return undefined;
  }
  if (typeof value === 'string') return value.trim() === '' ? undefined : imageFile(value, file, where);
  throw new TrainerInputError(
    `${where()}: expected an image ({bytes, path}, bytes or a file name), found ${describe(value)}`,
  );
}

function imageFile(name: string, table: TableFile, where: () => string): ImageSource {
  const path = join(dirname(table.path), name);
  if (!existsSync(path)) {
    throw new TrainerInputError(`${where()}: image file "${name}" not found next to ${table.relativePath}`);
  }
  return { path };
}

// Cells may come from another realm (a test runner's sandbox), so no instanceof: view the same memory.
function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function emptyDataset(ignored: readonly DataFile[]): LoadedDataset<ImageExample> {
  return {
    splits: {},
    files: {},
    ignoredFiles: ignored.map((f) => f.relativePath),
    skippedRows: {},
    columns: {},
  };
}
