/**
 * The paired test behind the promotion gate: two models' predictions on the same rows. Accuracy uses the exact
 * McNemar test (a one-sided binomial test on the rows where exactly one model is right); other metrics a seeded
 * paired bootstrap (the same resampled rows for both models). Both answer one question, "can we reject that the
 * candidate is no better?", and give the difference with a 95% percentile bootstrap interval. Seeded, so a run's
 * verdict is the same each time it is computed.
 */
import { codeRows, rowMetric } from './row-metrics';
import { type RowMetric } from '../config/row-metric-names';

export interface PairedResult {
  metric: RowMetric;
  candidate: number;
  current: number;
  rows: number;
  /** candidate - current. */
  difference: number;
  /** 95% interval of the difference. */
  interval: [number, number];
  /** One-sided: the chance of a gain this large or larger if the candidate were no better. */
  pValue: number;
  test: 'exact McNemar' | 'paired bootstrap';
}

export interface PairedOptions {
  seed?: number;
  resamples?: number;
}

export const DEFAULT_RESAMPLES = 2000;
const DEFAULT_SEED = 20_231;

export function pairedTest(
  metric: RowMetric,
  truth: readonly string[],
  candidate: readonly string[],
  current: readonly string[],
  options: PairedOptions = {},
): PairedResult {
  const rows = truth.length;
  if (rows === 0 || candidate.length !== rows || current.length !== rows) {
    throw new Error(`a paired test needs both models' predictions for every row (${rows} rows)`);
  }
  const labels = [...new Set([...truth, ...candidate, ...current])].sort();
  const a = codeRows(truth, candidate, labels);
  const b = codeRows(truth, current, labels);
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  const candidateValue = rowMetric(metric, a, all);
  const currentValue = rowMetric(metric, b, all);
  const differences = bootstrapDifferences(metric, a, b, options);
  const interval: [number, number] = [quantile(differences, 0.025), quantile(differences, 0.975)];
  const pValue =
    metric === 'accuracy'
      ? mcnemarOneSided(a, b)
      : // The share of resamples where the candidate is not better (+1 each side: never exactly 0).
        (differences.filter((d) => d <= 0).length + 1) / (differences.length + 1);
  return {
    metric,
    candidate: candidateValue,
    current: currentValue,
    rows,
    difference: candidateValue - currentValue,
    interval,
    // No evidence at all (identical predictions): exactly 1.
    pValue: Math.min(1, pValue),
    test: metric === 'accuracy' ? 'exact McNemar' : 'paired bootstrap',
  };
}

/**
 * Exact McNemar, one-sided: of the n rows where the models disagree on being right, the candidate alone is right
 * on k. Under "no better" k is at most Binomial(n, 1/2); p = P(X >= k). No discordant rows: p = 1.
 */
export function mcnemarOneSided(a: { truth: Int32Array; predicted: Int32Array }, b: { predicted: Int32Array }): number {
  let onlyCandidate = 0;
  let onlyCurrent = 0;
  for (let i = 0; i < a.truth.length; i++) {
    const candidateRight = a.predicted[i] === a.truth[i];
    const currentRight = b.predicted[i] === a.truth[i];
    if (candidateRight && !currentRight) onlyCandidate++;
    else if (currentRight && !candidateRight) onlyCurrent++;
  }
  return binomialUpperTail(onlyCandidate + onlyCurrent, onlyCandidate);
}

/** P(X >= k) for X ~ Binomial(n, 1/2), summed in log space so thousands of rows do not underflow. */
export function binomialUpperTail(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logs: number[] = [];
  let logPmf = -n * Math.LN2; // k = 0
  for (let i = 0; i <= n; i++) {
    if (i >= k) logs.push(logPmf);
    logPmf += Math.log(n - i) - Math.log(i + 1);
  }
  const top = Math.max(...logs);
  return Math.min(1, Math.exp(top) * logs.reduce((sum, l) => sum + Math.exp(l - top), 0));
}

function bootstrapDifferences(
  metric: RowMetric,
  a: ReturnType<typeof codeRows>,
  b: ReturnType<typeof codeRows>,
  options: PairedOptions,
): number[] {
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const n = a.truth.length;
  const sample = new Int32Array(n);
  const out: number[] = [];
  for (let r = 0; r < (options.resamples ?? DEFAULT_RESAMPLES); r++) {
    for (let i = 0; i < n; i++) sample[i] = Math.floor(random() * n);
    out.push(rowMetric(metric, a, sample) - rowMetric(metric, b, sample));
  }
  return out.sort((x, y) => x - y);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[at]!;
}

/**
 * A small seeded generator (Mulberry32): the same seed, the same resamples, the same verdict. The trainers have the
 * same one (trainers/core/random.ts), but the service never imports the trainers' package (package-boundaries test).
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
