import { splitsOfPathsByCard, type CardDataFiles } from './card';
import { SPLIT_NAMES, splitsOfPaths, type SplitName } from './splits';

/** What a loader hands a trainer: examples per split, and where they came from (for messages and metrics). */
export interface LoadedDataset<T> {
  splits: Partial<Record<SplitName, T[]>>;
  /** Relative paths of the files that fed each split. */
  files: Partial<Record<SplitName, string[]>>;
  /** Files no split takes: they name none while others do, or the dataset card does not name them. */
  ignoredFiles: string[];
  /** Rows skipped per split for lack of a label (or of an input). */
  skippedRows: Partial<Record<SplitName, number>>;
  /** The columns read, e.g. `{ text: 'review', label: 'stars' }`; empty for image folders. */
  columns: Record<string, string>;
}

export interface SplitAssignment<F> {
  bySplit: Partial<Record<SplitName, F[]>>;
  ignored: F[];
}

/**
 * Groups files by split the way the Hub does: by the data files the dataset card names for its default config
 * (card.ts) when it names them, else by the file and folder names (splits.ts, `splitsOfPaths`). Files no split
 * takes are left out.
 */
export function assignSplits<F>(
  files: readonly F[],
  pathOf: (file: F) => string,
  card?: CardDataFiles,
): SplitAssignment<F> {
  const paths = files.map(pathOf);
  const splits = card
    ? splitsOfPathsByCard(paths, card)
    : splitsOfPaths(paths).map((s) => (s === undefined ? [] : [s]));
  const out: SplitAssignment<F> = { bySplit: {}, ignored: [] };
  files.forEach((file, i) => {
    const named = splits[i] ?? [];
    if (named.length === 0) out.ignored.push(file);
    for (const split of named) (out.bySplit[split] ??= []).push(file);
  });
  return out;
}

/** Split names in a fixed order (train first), for the ones present. */
export function presentSplits<T>(record: Partial<Record<SplitName, T>>): SplitName[] {
  return SPLIT_NAMES.filter((name) => record[name] !== undefined);
}
