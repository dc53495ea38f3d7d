export interface ClassMetrics {
  /** Rows of this class in the training split. */
  train_rows: number;
  /** Rows of this class in the evaluation split. */
  support: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvaluationMetrics {
  accuracy: number;
  macro_f1: number;
  /** Accuracy of always answering the most common training label: the bar a model must clear. */
  baseline_accuracy: number;
  baseline_macro_f1: number;
  baseline_label: string;
  eval_rows: number;
  per_class: Record<string, ClassMetrics>;
  /** `matrix[i][j]`: rows of true class `labels[i]` predicted as `labels[j]`. */
  confusion: { labels: string[]; matrix: number[][] };
}

/**
 * Accuracy, macro F1 (over the classes that occur in the truth or the predictions, as scikit-learn does),
 * per-class counts and the majority-class baseline.
 */
export function evaluate(
  train: readonly string[],
  truth: readonly string[],
  predicted: readonly string[],
): EvaluationMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const trainCounts = countBy(train);
  const labels = [...new Set([...trainCounts.keys(), ...truth, ...predicted])].sort();
  const baselineLabel = majority(trainCounts);
  const scored = score(labels, truth, predicted, trainCounts);
  const baseline = score(
    labels,
    truth,
    truth.map(() => baselineLabel),
    trainCounts,
  );
  return {
    accuracy: scored.accuracy,
    macro_f1: scored.macroF1,
    baseline_accuracy: baseline.accuracy,
    baseline_macro_f1: baseline.macroF1,
    baseline_label: baselineLabel,
    eval_rows: truth.length,
    per_class: scored.perClass,
    confusion: { labels, matrix: scored.matrix },
  };
}

function score(
  labels: readonly string[],
  truth: readonly string[],
  predicted: readonly string[],
  trainCounts: Map<string, number>,
): { accuracy: number; macroF1: number; perClass: Record<string, ClassMetrics>; matrix: number[][] } {
  const index = new Map(labels.map((label, i) => [label, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  let correct = 0;
  truth.forEach((t, n) => {
    const p = predicted[n] ?? '';
    if (t === p) correct++;
    matrix[index.get(t) ?? 0]![index.get(p) ?? 0]!++;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Count = 0;
  labels.forEach((label, i) => {
    const row = matrix[i] ?? [];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedCount = matrix.reduce((a, r) => a + (r[i] ?? 0), 0);
    const hits = row[i] ?? 0;
    const precision = predictedCount > 0 ? hits / predictedCount : 0;
    const recall = support > 0 ? hits / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    if (support > 0 || predictedCount > 0) {
      f1Sum += f1;
      f1Count++;
    }
    perClass[label] = {
      train_rows: trainCounts.get(label) ?? 0,
      support,
      predicted: predictedCount,
      correct: hits,
      precision,
      recall,
      f1,
    };
  });
  return {
    accuracy: truth.length > 0 ? correct / truth.length : 0,
    macroF1: f1Count > 0 ? f1Sum / f1Count : 0,
    perClass,
    matrix,
  };
}

export function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** The most common value; ties go to the first in sorted order, so the baseline is reproducible. */
function majority(counts: Map<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const label of [...counts.keys()].sort()) {
    const count = counts.get(label) ?? 0;
    if (count > bestCount) [best, bestCount] = [label, count];
  }
  return best;
}
