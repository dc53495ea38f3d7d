import { TrainerInputError } from '../core/errors';
import { chooseLabelColumn, chooseTextColumns, requireSameColumn } from './columns';
import { assignSplits, presentSplits, type LoadedDataset } from './dataset';
import { readTable, type Table } from './read-table';
import { foundNote, scanDataset } from './scan';
import { labelOf, textOf } from './values';

export interface TextExample {
  text: string;
  label: string;
}

export interface TextColumnParams {
  text_column?: string | string[];
  label_column?: string;
}

/** Text classification rows from the CSV, JSON Lines, JSON and Parquet files under `dir`. */
export async function loadTextDataset(dir: string, params: TextColumnParams = {}): Promise<LoadedDataset<TextExample>> {
  const scanned = await scanDataset(dir);
  if (scanned.tables.length === 0) {
    throw new TrainerInputError(
      `no data files in ${dir}: expected CSV, TSV, JSON Lines, JSON or Parquet files ` +
        `(train.csv, data/train-00000-of-00001.parquet, train/part.jsonl, ...)${foundNote(scanned.other)}`,
    );
  }
  const { bySplit, ignored } = assignSplits(scanned.tables, (t) => t.relativePath, scanned.card);
  const out: LoadedDataset<TextExample> = {
    splits: {},
    files: {},
    ignoredFiles: ignored.map((t) => t.relativePath),
    skippedRows: {},
    columns: {},
  };
  let chosen: { first: Table; label: string; text: string[] } | undefined;
  for (const split of presentSplits(bySplit)) {
    const examples: TextExample[] = (out.splits[split] = []);
    out.files[split] = [];
    let skipped = 0;
    for (const file of bySplit[split] ?? []) {
      const table = await readTable(file);
      out.files[split].push(file.relativePath);
      if (!chosen) {
        const label = chooseLabelColumn(table, params.label_column);
        chosen = { first: table, label, text: chooseTextColumns(table, label, params.text_column) };
      }
      const { first, label: labelColumn, text: textColumns } = chosen;
      for (const column of textColumns) requireSameColumn(table, column, first);
      // A file without the label column (a Kaggle-style test.csv) is unlabelled, not an error.
      const labelled = table.columns.includes(labelColumn);
      const names = table.classLabels[labelColumn];
      table.rows.forEach((row, i) => {
        const where = (): string => `${file.relativePath}: row ${i + 1}`;
        const label = labelled ? labelOf(row[labelColumn], names, where) : undefined;
        const parts = textColumns.map((c) => textOf(row[c], where)).filter((t) => t !== undefined);
        if (label === undefined || parts.length === 0) skipped++;
        else examples.push({ text: parts.join('\n'), label });
      });
    }
    out.skippedRows[split] = skipped;
  }
  if (chosen) out.columns = { text: chosen.text.join('+'), label: chosen.label };
  return out;
}
