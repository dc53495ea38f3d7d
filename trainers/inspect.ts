import { chooseEvalSplit } from './core/eval-split';
import { countBy } from './core/metrics';
import type { Task, TrainerParams } from './core/params';
import type { LoadedDataset } from './data/dataset';
import { loadImageDataset } from './data/load-images';
import { loadTextDataset } from './data/load-text';
import { SPLIT_NAMES, type SplitName } from './data/splits';

export interface DatasetSummary {
  task: Task;
  /** Labelled rows and their label counts per split found. */
  splits: Partial<Record<SplitName, { rows: number; labels: Record<string, number> }>>;
  /** Where the trainer would take its evaluation rows from. */
  eval_split: string;
  columns: Record<string, string>;
  files: Partial<Record<SplitName, string[]>>;
  ignored_files: string[];
  skipped_rows: Partial<Record<SplitName, number>>;
}

/**
 * Loads a dataset as the trainer would, without training: what it found, or the same error the trainer
 * would fail with. Cheap enough for a backend to check a dataset before it starts a run.
 */
export async function inspectDataset(dir: string, task: Task, params: TrainerParams): Promise<DatasetSummary> {
  const dataset: LoadedDataset<{ label: string }> =
    task === 'text-classification' ? await loadTextDataset(dir, params) : await loadImageDataset(dir, params);
  const splits: DatasetSummary['splits'] = {};
  for (const name of SPLIT_NAMES) {
    const rows = dataset.splits[name];
    if (rows) splits[name] = { rows: rows.length, labels: Object.fromEntries(countBy(rows.map((r) => r.label))) };
  }
  const { evalSource } = chooseEvalSplit(dataset, { evalFraction: params.eval_fraction, seed: params.seed });
  return {
    task,
    splits,
    eval_split: evalSource,
    columns: dataset.columns,
    files: dataset.files,
    ignored_files: dataset.ignoredFiles,
    skipped_rows: dataset.skippedRows,
  };
}
