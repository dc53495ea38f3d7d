/** Split names a trainer understands; everything on the Hub is mapped onto these three. */
export type SplitName = 'train' | 'validation' | 'test';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

// The Hub's own data-files rules (`datasets`, data_files.py: SPLIT_KEYWORDS and the patterns built from them):
// a keyword delimited by separators or digits, in a folder name or a file name.
const KEYWORDS: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  validation: 'validation',
  valid: 'validation',
  val: 'validation',
  dev: 'validation',
  test: 'test',
  testing: 'test',
  eval: 'test',
  evaluation: 'test',
};
// `data/{split}-00000-of-00001.parquet`, as the Hub writes converted datasets (SPLIT_PATTERN_SHARDED).
const SHARDED = /^data\/([^/]+?)-\d{5}-of-\d{5}[^/]*\.[^/]+$/;

function splitOfName(name: string): SplitName | undefined {
  for (const token of name.toLowerCase().split(/[-._\s\d]+/)) {
    const split = KEYWORDS[token];
    if (split) return split;
  }
  return undefined;
}

/** The split a folder of the path names, the deepest first (`train/part.jsonl`, `data/validation/x.parquet`). */
export function splitOfFolders(relativePath: string): SplitName | undefined {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '');
  parts.pop();
  for (let i = parts.length - 1; i >= 0; i--) {
    const split = splitOfName(parts[i] ?? '');
    if (split) return split;
  }
  return undefined;
}

/** The split the file name names (`train.csv`, `my_val_file.json`); `contest.csv` names none. */
export function splitOfFileName(relativePath: string): SplitName | undefined {
  const file = relativePath.split(/[\\/]/).pop() ?? '';
  return splitOfName(file.replace(/\.[^.]*$/, ''));
}

/**
 * Each file's split, decided for the whole dataset at once as `datasets` does (`_get_data_files_patterns`):
 * the Hub's sharded names (`data/train-00000-of-00001.parquet`) when any file has one; else folder names when
 * any folder names a split; else file names when any names one; else every file is train. Under the rule that
 * applies, a file that names no split (or a split other than these three) is left out.
 */
export function splitsOfPaths(relativePaths: readonly string[]): Array<SplitName | undefined> {
  const paths = relativePaths.map((p) => p.replace(/\\/g, '/'));
  if (paths.some((p) => SHARDED.test(p))) {
    return paths.map((p) => {
      const name = SHARDED.exec(p)?.[1];
      return (SPLIT_NAMES as readonly string[]).includes(name ?? '') ? (name as SplitName) : undefined;
    });
  }
  for (const rule of [splitOfFolders, splitOfFileName]) {
    const splits = paths.map(rule);
    if (splits.some((s) => s !== undefined)) return splits;
  }
  return paths.map(() => 'train');
}
