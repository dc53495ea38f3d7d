import type { LoadedDataset } from '../data/dataset';
import { seededRandom, shuffleInPlace } from './random';
import { TrainerInputError } from './errors';

export interface TrainEvalSplit<T> {
  train: T[];
  eval: T[];
  /** Where the evaluation rows came from: `validation`, `test`, or `train (seeded 20% hold-out)`. */
  evalSource: string;
}

/**
 * The dataset's own held-out split when it has labelled rows (validation, else test); otherwise a
 * stratified, seeded hold-out of `evalFraction` of train, so every class is evaluated and reruns agree.
 */
export function chooseEvalSplit<T extends { label: string }>(
  dataset: LoadedDataset<T>,
  options: { evalFraction: number; seed: number },
): TrainEvalSplit<T> {
  const train = dataset.splits.train ?? [];
  if (train.length === 0) {
    const found = Object.entries(dataset.splits).map(([name, rows]) => `${name}: ${rows.length} labelled rows`);
    throw new TrainerInputError(
      `no labelled training rows (${found.length > 0 ? found.join(', ') : 'no splits found'}); ` +
        'expected a train split (train.csv, train/..., or files that name no split)',
    );
  }
  for (const name of ['validation', 'test'] as const) {
    const rows = dataset.splits[name] ?? [];
    if (rows.length > 0) return { train, eval: rows, evalSource: name };
  }
  return {
    ...stratifiedHoldOut(train, options.evalFraction, options.seed),
    evalSource: `train (seeded ${Math.round(options.evalFraction * 100)}% hold-out)`,
  };
}

function stratifiedHoldOut<T extends { label: string }>(
  rows: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; eval: T[] } {
  const random = seededRandom(seed);
  const byLabel = new Map<string, T[]>();
  for (const row of rows) {
    const group = byLabel.get(row.label);
    if (group) group.push(row);
    else byLabel.set(row.label, [row]);
  }
  const train: T[] = [];
  const held: T[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const group = [...(byLabel.get(label) ?? [])];
    shuffleInPlace(group, random);
    // A class with a single row stays in train: the model cannot learn a class it never sees.
    const count = group.length < 2 ? 0 : Math.max(1, Math.round(group.length * fraction));
    held.push(...group.slice(0, count));
    train.push(...group.slice(count));
  }
  if (held.length === 0) {
    throw new TrainerInputError(`too few training rows (${rows.length}) to hold out an evaluation split`);
  }
  return { train, eval: held };
}
