/**
 * The numbers behind every figure in RESULTS.md: percentiles of latency samples, the spread of a figure over
 * repeated runs, and ratios between two stacks. Pure functions, unit-tested (test/unit/bench-stats.test.ts).
 */

/**
 * The p-th percentile (0..100) of samples, by linear interpolation between the two nearest ranks (the
 * "type 7" estimator of R and numpy's default). `sorted` must be sorted ascending.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(samples), p);
}

function sortedCopy(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples).sort();
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Latency percentiles of one run (milliseconds in, milliseconds out). */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(samples);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** One figure over repeated runs: the median is what we quote, min and max are its spread. */
export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  const sorted = [...finite].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentileOfSorted(sorted, 50),
    min: sorted.length ? sorted[0]! : NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    values: [...values],
  };
}

/**
 * The ratio of two figures measured in alternating runs: the ratio of the medians, with a spread taken from
 * the ratios of the paired runs (run i of `a` against run i of `b`), so a slow patch of the machine that hit
 * one pair shows as spread instead of moving the quoted figure.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Spread & { ofMedians: number } {
  const pairs = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) ratios.push(a[i]! / b[i]!);
  const s = spread(ratios);
  return { ...s, ofMedians: spread(a).median / spread(b).median };
}

/** A number for a table: thousands separated, `digits` significant decimals below 10, fewer above. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? Math.min(1, digits) : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** "1,234 (1,100–1,300)": the median, then min–max over the runs (just the value when there was one run). */
export function formatSpread(s: Spread, digits = 2, unit = ''): string {
  if (s.n === 0) return 'n/a';
  const main = `${formatNumber(s.median, digits)}${unit}`;
  if (s.n === 1 || s.min === s.max) return main;
  return `${main} (${formatNumber(s.min, digits)}–${formatNumber(s.max, digits)})`;
}

/** "2.4×" with its paired spread. */
export function formatRatio(r: Spread, digits = 2): string {
  if (r.n === 0) return 'n/a';
  const main = `${formatNumber(r.median, digits)}×`;
  if (r.n === 1 || r.min === r.max) return main;
  return `${main} (${formatNumber(r.min, digits)}–${formatNumber(r.max, digits)})`;
}
