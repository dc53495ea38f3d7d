import { SPLIT_NAMES, splitsOfPaths, type SplitName } from './splits';

/** What a loader hands a trainer: examples per split, and where they came from (for messages and metrics). */
export interface LoadedDataset<T> {
  splits: Partial<Record<SplitName, T[]>>;
  /** Relative paths of the files that fed each split. */
  files: Partial<Record<SplitName, string[]>>;
  /** Files that name no split while others do (the Hub ignores these too). */
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
 * Groups files by split the way the Hub does (splits.ts, `splitsOfPaths`): files that name no split while others
 * do are left out.
 */
export function assignSplits<F>(files: readonly F[], pathOf: (file: F) => string): SplitAssignment<F> {
  const splits = splitsOfPaths(files.map(pathOf));
  const out: SplitAssignment<F> = { bySplit: {}, ignored: [] };
  files.forEach((file, i) => {
    const split = splits[i];
    if (split === undefined) out.ignored.push(file);
    else (out.bySplit[split] ??= []).push(file);
  });
  return out;
}

/** Split names in a fixed order (train first), for the ones present. */
export function presentSplits<T>(record: Partial<Record<SplitName, T>>): SplitName[] {
  return SPLIT_NAMES.filter((name) => record[name] !== undefined);
}
