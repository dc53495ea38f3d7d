/** Split names a trainer understands; everything on the Hub is mapped onto these three. */
export type SplitName = 'train' | 'validation' | 'test';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

// The Hub's own data-files rules: a keyword delimited by separators or digits, in a file or folder name.
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

function splitOfName(name: string): SplitName | undefined {
  for (const token of name.toLowerCase().split(/[-._\s\d]+/)) {
    const split = KEYWORDS[token];
    if (split) return split;
  }
  return undefined;
}

/**
 * The split a file belongs to, from its path relative to the dataset folder: the file name first
 * (`train.csv`, `data/test-00000-of-00001.parquet`), then its folders from the deepest
 * (`train/part.jsonl`). `folderOnly` skips the file name (image files named `test_001.jpg`).
 */
export function splitOfPath(relativePath: string, options: { folderOnly?: boolean } = {}): SplitName | undefined {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '');
  const file = parts.pop();
  if (file !== undefined && !options.folderOnly) {
    const stem = file.replace(/\.[^.]*$/, '');
    const split = splitOfName(stem);
    if (split) return split;
  }
  for (let i = parts.length - 1; i >= 0; i--) {
    const split = splitOfName(parts[i] ?? '');
    if (split) return split;
  }
  return undefined;
}
