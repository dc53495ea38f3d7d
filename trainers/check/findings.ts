/** What the data checks found, one entry per check: a count, up to MAX_EXAMPLES examples, a sentence. */

export const CHECK_NAMES = [
  'schema',
  'missing_values',
  'unreadable_images',
  'too_long',
  'small_classes',
  'unseen_labels',
  'vanished_labels',
  'leakage',
  'duplicates',
  'changes',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export const MAX_EXAMPLES = 10;

export interface Finding {
  check: CheckName;
  /** How many rows (or labels, or classes: `detail` says) the check found; 0 is a pass. */
  count: number;
  examples: string[];
  detail: string;
  /** Set when the check itself could not run: why. */
  error?: string;
}

/** A finding being built: counts everything, keeps the first MAX_EXAMPLES examples. */
export class Tally {
  count = 0;
  readonly examples: string[] = [];

  add(example: string, by = 1): void {
    this.count += by;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }
}

/** A text for an example: one line, at most 80 characters, quoted. */
export function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line);
}

/** "cat: 2, dog: 40" for a label count, the largest first, at most `max` labels. */
export function distribution(counts: ReadonlyMap<string, number>, max = 20): string {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, max).map(([label, n]) => `${label}: ${n}`);
  return `${shown.join(', ')}${sorted.length > max ? `, ... (${sorted.length} labels)` : ''}` || 'none';
}
