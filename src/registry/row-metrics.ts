/**
 * Metrics computed from per-row results (the true label and each model's prediction), as the trainers compute
 * them (trainers/core/metrics.ts, hub_retrain_trainer/evaluation.py): accuracy, and macro F1, precision and
 * recall over the classes present in the truth or the predictions (scikit-learn's rule).
 */
import type { RowMetric } from '../config/row-metric-names';

/** Labels as small integers, so resampling touches arrays of numbers only. */
export interface CodedRows {
  truth: Int32Array;
  predicted: Int32Array;
  classes: number;
}

export function codeRows(truth: readonly string[], predicted: readonly string[], labels: readonly string[]): CodedRows {
  const index = new Map(labels.map((label, i) => [label, i]));
  const code = (values: readonly string[]) => Int32Array.from(values, (v) => index.get(v) ?? -1);
  return { truth: code(truth), predicted: code(predicted), classes: labels.length };
}

/** The metric on the rows at `rows` (indices, repeats allowed: a bootstrap resample). */
export function rowMetric(metric: RowMetric, data: CodedRows, rows: ArrayLike<number>): number {
  const n = rows.length;
  if (n === 0) return 0;
  if (metric === 'accuracy') {
    let correct = 0;
    for (let i = 0; i < n; i++) if (data.truth[rows[i]!] === data.predicted[rows[i]!]) correct++;
    return correct / n;
  }
  const support = new Float64Array(data.classes);
  const predictedCount = new Float64Array(data.classes);
  const hits = new Float64Array(data.classes);
  for (let i = 0; i < n; i++) {
    const t = data.truth[rows[i]!]!;
    const p = data.predicted[rows[i]!]!;
    support[t]! += 1;
    if (p >= 0) predictedCount[p]! += 1;
    if (t === p) hits[t]! += 1;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < data.classes; c++) {
    if (support[c] === 0 && predictedCount[c] === 0) continue;
    present++;
    const precision = predictedCount[c]! > 0 ? hits[c]! / predictedCount[c]! : 0;
    const recall = support[c]! > 0 ? hits[c]! / support[c]! : 0;
    if (metric === 'macro_precision') sum += precision;
    else if (metric === 'macro_recall') sum += recall;
    else sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return present > 0 ? sum / present : 0;
}

/** Recall of each class that has rows, by label. */
export function classRecalls(truth: readonly string[], predicted: readonly string[]): Map<string, number> {
  const support = new Map<string, number>();
  const hits = new Map<string, number>();
  truth.forEach((t, i) => {
    support.set(t, (support.get(t) ?? 0) + 1);
    if (predicted[i] === t) hits.set(t, (hits.get(t) ?? 0) + 1);
  });
  return new Map([...support].map(([label, count]) => [label, (hits.get(label) ?? 0) / count]));
}
