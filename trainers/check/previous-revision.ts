/**
 * The `changes` check: the revision the model in service was trained on, read once (every labelled row's input
 * hash and label), compared with the run's revision row by row: rows added, removed, and whose label changed,
 * and the train split's label distribution then and now.
 */
import { readFile } from 'node:fs/promises';
import type { SplitName } from '../data/splits';
import { openRows, type CheckedTask, type ColumnChoice, type ColumnParams } from './data-rows';
import { distribution, type Tally } from './findings';
import { KeyTable, keyOf, textFacts, type Key, type LabelIds } from './key-table';

export interface PreviousRevision {
  revision: string;
  columns: ColumnChoice;
  /** Rows with a label and an input. */
  rows: number;
  /** The train split's labels and their counts. */
  labels: Map<string, number>;
  /** Every distinct input and its label id. */
  table: KeyTable;
}

interface PreviousOptions extends ColumnParams {
  task: CheckedTask;
  previous?: { dir: string; revision: string };
}

/** Undefined when there is no revision to compare with; throws when it cannot be read. */
export async function readPrevious(
  options: PreviousOptions,
  labelIds: LabelIds,
): Promise<PreviousRevision | undefined> {
  if (!options.previous) return undefined;
  // Its own problems are the past's: only the run's revision is judged.
  const opened = await openRows(options.previous.dir, options.task, options, () => undefined);
  const out: PreviousRevision = {
    revision: options.previous.revision,
    columns: opened.columns,
    rows: 0,
    labels: new Map(),
    table: new KeyTable(),
  };
  for await (const row of opened.rows) {
    if (row.label === undefined) continue;
    let key: Key | undefined;
    if (row.text !== undefined) key = textFacts(row.text).key;
    else {
      const bytes = row.image ?? (row.imagePath ? await readFile(row.imagePath).catch(() => undefined) : undefined);
      if (bytes !== undefined) key = keyOf(bytes);
    }
    if (key === undefined) continue;
    out.rows++;
    out.table.add(key, labelIds.id(row.label));
    if (row.split === 'train') out.labels.set(row.label, (out.labels.get(row.label) ?? 0) + 1);
  }
  return out;
}

/** Rows added, removed and relabelled since the previous revision (distinct labelled inputs, every split). */
export interface RevisionChanges {
  added: number;
  removed: number;
  relabelled: number;
}

/** What the comparison says (the check's detail) and counts; relabelled rows go to `relabelled`, grouped by change. */
export function compareRevisions(
  previous: PreviousRevision,
  current: { now: KeyTable; trainLabels: Map<string, number>; rows: Partial<Record<SplitName, number>> },
  labelIds: LabelIds,
  relabelled: Tally,
): { detail: string; counts: RevisionChanges } {
  let added = 0;
  let kept = 0;
  const changes = new Map<string, number>();
  for (const [key, label] of current.now.entries()) {
    const before = previous.table.get(key);
    if (before === undefined) {
      added++;
      continue;
    }
    kept++;
    if (before !== label) {
      const change = `${labelIds.names[before] ?? '?'} -> ${labelIds.names[label] ?? '?'}`;
      changes.set(change, (changes.get(change) ?? 0) + 1);
    }
  }
  const sorted = [...changes].sort((a, b) => b[1] - a[1]);
  for (const [change, n] of sorted) relabelled.add(`${change}: ${n} row${n === 1 ? '' : 's'}`, n);
  const removed = previous.table.size - kept;
  const detail =
    `since ${previous.revision.slice(0, 7)} (the model in service): ${added} rows added, ${removed} removed, ` +
    `${relabelled.count} relabelled (counted: relabelled rows); train labels then: ${distribution(previous.labels)}; ` +
    `now: ${distribution(current.trainLabels)}`;
  return { detail, counts: { added, removed, relabelled: relabelled.count } };
}
