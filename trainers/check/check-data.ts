/**
 * The data checks: one streaming pass over the revision a run will train (data-rows.ts), remembering of each row
 * only a 64-bit hash of its input (key-table.ts), and one over the revision the model in service was trained on
 * when there is one. Memory grows by about 40 bytes a row, whatever the rows hold; time is one read and one
 * SHA-1 per row (and one decode per image, as the trainers decode them).
 */
import { readFile } from 'node:fs/promises';
import { TrainerInputError } from '../core/errors';
import type { SplitName } from '../data/splits';
import { decodeImage } from '../image/decode';
import { openRows, type CheckedTask, type ColumnChoice, type ColumnParams, type DataRow } from './data-rows';
import { CHECK_NAMES, snippet, Tally, type CheckName, type Finding } from './findings';
import { KeyTable, keyOf, LabelIds, textFacts, type Key } from './key-table';
import { compareRevisions, readPrevious, type RevisionChanges } from './previous-revision';

export interface CheckOptions extends ColumnParams {
  task: CheckedTask;
  /** Text: the trainer's token limit; longer rows are truncated. Null: the trainer does not truncate (the baseline). */
  max_length: number | null;
  min_rows_per_class: number;
  /** The labels the model in service knows; else those of `previous`'s train split. */
  known_labels?: string[];
  /** The files of the revision the model in service was trained on. */
  previous?: { dir: string; revision: string };
  /**
   * Why the revision the model in service was trained on could not be had (there is a model in service, but not
   * its files): `changes` reports it as its error, and so does `vanished_labels` unless `known_labels` are given.
   */
  previous_error?: string;
}

export interface DataFindings {
  checks: Finding[];
  columns?: ColumnChoice;
  /** Rows per split (every row read, usable or not). */
  rows: Partial<Record<SplitName, number>>;
  /** The train split's label distribution: what the model learns, and what it will know. */
  labels: Record<string, number>;
  /** The revision the model in service was trained on, and what changed since (the `changes` check's numbers). */
  previous?: { revision: string; rows: number; labels: Record<string, number> } & RevisionChanges;
}

/** Images decoded at once. */
const DECODE_CONCURRENCY = 4;
/** Tokens per whitespace-separated word for subword tokenizers (English), and characters per token. */
const TOKENS_PER_WORD = 1.3;
const CHARS_PER_TOKEN = 4;

export async function checkData(dir: string, options: CheckOptions): Promise<DataFindings> {
  const tallies = Object.fromEntries(CHECK_NAMES.map((name) => [name, new Tally()])) as Record<CheckName, Tally>;
  const errors: Partial<Record<CheckName, string>> = {};
  const labelIds = new LabelIds();
  if (options.previous_error) errors.changes = options.previous_error;
  const previous = await readPrevious(options, labelIds).catch((err: unknown) => {
    errors.changes = `the revision the model in service was trained on could not be read: ${messageOf(err)}`;
    return undefined;
  });
  const problem = (where: string, what: string): void => tallies.schema.add(`${where}: ${what}`);
  const walk = new Walk(options, tallies, labelIds);
  let columns: ColumnChoice | undefined;
  try {
    const opened = await openRows(dir, options.task, options, problem);
    columns = opened.columns;
    if (previous?.columns && previous.columns.label !== columns.label) {
      problem(
        'label column',
        `was "${previous.columns.label}" at ${previous.revision.slice(0, 7)}, now "${columns.label}"`,
      );
    }
    for await (const row of opened.rows) await walk.row(row);
    await walk.done();
    // Read to the end: a trainer would stop on an input column with no value at all, or on nothing to train.
    const inputs = columns.inputs;
    for (const file of walk.filesWithoutInput()) {
      const named = inputs.length === 1 ? `column ${inputs[0]!} is` : `columns ${inputs.join(', ')} are`;
      tallies.schema.add(`${named} empty in ${file}`);
    }
    const usable = [...walk.trainLabels.values()].reduce((sum, n) => sum + n, 0);
    if (usable === 0) {
      const read = walk.rows.train ?? 0;
      const input = options.task === 'image-classification' ? 'an image' : 'a text';
      tallies.schema.add(
        `no usable train rows: ${read === 0 ? 'train has no rows' : `none of train's ${read} rows has both a label and ${input}`}`,
      );
    }
  } catch (err) {
    if (!(err instanceof TrainerInputError)) throw err;
    tallies.schema.add(err.message);
    const why = columns ? `reading stopped early (${err.message})` : "not run: the dataset's columns could not be read";
    for (const name of CHECK_NAMES) if (name !== 'schema') errors[name] ??= why;
  }
  const trainLabels = walk.trainLabels;
  const known = options.known_labels ?? (previous ? [...previous.labels.keys()] : undefined);
  // A model in service whose labels cannot be had: not "nothing vanished", but a check that could not run.
  if (!known && errors.changes)
    errors.vanished_labels ??= `the labels of the model in service are unknown: ${errors.changes}`;
  for (const [label, n] of trainLabels) {
    if (n < options.min_rows_per_class) tallies.small_classes.add(`${label}: ${n} row${n === 1 ? '' : 's'}`);
  }
  for (const [label, where] of walk.unseen) tallies.unseen_labels.add(`${label} (${where})`);
  for (const label of known ?? []) if (!trainLabels.has(label)) tallies.vanished_labels.add(label);
  const changes = previous ? compareRevisions(previous, walk, labelIds, tallies.changes) : undefined;

  const details: Record<CheckName, string> = {
    schema: columns
      ? `columns read: ${[columns.label, ...columns.inputs].filter(Boolean).join(', ') || 'image folders'}`
      : 'the columns the task needs',
    missing_values: 'rows without a label or an input: the trainer skips them',
    unreadable_images:
      options.task === 'image-classification'
        ? 'images that cannot be decoded'
        : 'not an image task: nothing to decode',
    too_long:
      options.task !== 'text-classification'
        ? 'not a text task: no length limit'
        : options.max_length === null
          ? 'not checked: the trainer reads every text whole (the baseline does not truncate)'
          : `rows estimated over max_length ${options.max_length} tokens (truncated by the trainer; about ${TOKENS_PER_WORD} tokens a word)`,
    small_classes: `classes with fewer than ${options.min_rows_per_class} train rows (min_rows_per_class)`,
    unseen_labels: 'labels in validation or test that no train row has',
    vanished_labels: known
      ? `labels the model in service knows that no train row has any more (it knew ${known.length})`
      : errors.vanished_labels
        ? 'labels the model in service knows that no train row has any more: not known here'
        : 'no model in service to compare with',
    leakage:
      'validation or test rows whose input is also in train (text: same after normalising case and spaces; images: same bytes)',
    duplicates: 'train rows whose input repeats an earlier train row',
    changes:
      changes?.detail ??
      (errors.changes
        ? 'changes since the revision the model in service was trained on: not compared'
        : 'no model in service to compare with'),
  };
  return {
    checks: CHECK_NAMES.map((check) => ({
      check,
      count: tallies[check].count,
      examples: tallies[check].examples,
      detail: details[check],
      ...(errors[check] ? { error: errors[check] } : {}),
    })),
    ...(columns ? { columns } : {}),
    rows: walk.rows,
    labels: Object.fromEntries(trainLabels),
    ...(previous && changes
      ? {
          previous: {
            revision: previous.revision,
            rows: previous.rows,
            labels: Object.fromEntries(previous.labels),
            ...changes.counts,
          },
        }
      : {}),
  };
}

/** The state of one pass over the run's revision. */
class Walk {
  readonly rows: Partial<Record<SplitName, number>> = {};
  readonly trainLabels = new Map<string, number>();
  /** Labels of validation or test rows that train lacks, with the first place each was seen. */
  readonly unseen = new Map<string, string>();
  /** Every distinct input of the revision and its label. */
  readonly now = new KeyTable();
  private readonly train = new KeyTable();
  private readonly decoding = new Set<Promise<void>>();
  /** Per table file: whether any of its rows had an input. */
  private readonly fileHasInput = new Map<string, boolean>();

  constructor(
    private readonly options: CheckOptions,
    private readonly tallies: Record<CheckName, Tally>,
    private readonly labelIds: LabelIds,
  ) {}

  async row(row: DataRow): Promise<void> {
    this.rows[row.split] = (this.rows[row.split] ?? 0) + 1;
    const image = this.options.task === 'image-classification';
    const key = image ? await this.image(row) : this.text(row);
    if (row.file !== undefined) {
      this.fileHasInput.set(row.file, (this.fileHasInput.get(row.file) ?? false) || key !== 'missing');
    }
    const missing = [row.label === undefined && 'label', key === 'missing' && (image ? 'image' : 'text')];
    const what = missing.filter((m) => m !== false);
    if (what.length > 0) this.tallies.missing_values.add(`${row.where}: no ${what.join(' and no ')}`);
    if (typeof key !== 'object' || row.label === undefined) return;
    this.now.add(key, this.labelIds.id(row.label));
    if (row.split === 'train') {
      this.trainLabels.set(row.label, (this.trainLabels.get(row.label) ?? 0) + 1);
      if (this.train.add(key, 0) !== undefined) this.tallies.duplicates.add(`${row.where}: ${this.what(row)}`);
      return;
    }
    if (this.train.get(key) !== undefined) this.tallies.leakage.add(`${row.where}: ${this.what(row)} is also in train`);
    if (!this.trainLabels.has(row.label) && !this.unseen.has(row.label)) this.unseen.set(row.label, row.where);
  }

  /** The table files that have rows, none of which has an input. */
  filesWithoutInput(): string[] {
    return [...this.fileHasInput].filter(([, has]) => !has).map(([file]) => file);
  }

  /** Waits for the images still being decoded. */
  async done(): Promise<void> {
    await Promise.all(this.decoding);
  }

  private what(row: DataRow): string {
    return row.text !== undefined ? snippet(row.text) : 'the same image';
  }

  private text(row: DataRow): Key | 'missing' {
    if (row.text === undefined) return 'missing';
    const { key, words } = textFacts(row.text);
    const tokens = Math.ceil(Math.max(words * TOKENS_PER_WORD, row.text.length / CHARS_PER_TOKEN));
    if (this.options.max_length !== null && tokens > this.options.max_length)
      this.tallies.too_long.add(`${row.where}: about ${tokens} tokens`);
    return key;
  }

  private async image(row: DataRow): Promise<Key | 'missing' | 'unreadable'> {
    let bytes = row.image;
    if (bytes === undefined && row.imagePath !== undefined) {
      bytes = await readFile(row.imagePath).catch(() => undefined);
      if (bytes === undefined) {
        this.tallies.unreadable_images.add(`${row.where}: ${row.imagePath} cannot be read`);
        return 'unreadable';
      }
    }
    if (bytes === undefined) return 'missing';
    const image = bytes;
    if (this.decoding.size >= DECODE_CONCURRENCY) await Promise.race(this.decoding);
    const decoding: Promise<void> = decodeImage({ bytes: image, name: row.where }, 8).then(
      () => undefined,
      (err: unknown) => this.tallies.unreadable_images.add(messageOf(err)),
    );
    this.decoding.add(decoding);
    void decoding.finally(() => this.decoding.delete(decoding));
    return keyOf(image);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
