/**
 * The promotion gate: does a candidate model beat the one in service? Pure, so it reads like the rule.
 *
 * Both models are measured on the same rows by the trainer (comparison.json); the gate computes the metric for
 * each from the per-row results, runs the paired test (paired-test.ts) and promotes only when the candidate is
 * better by more than `min_delta`, the test rejects "no better" at `significance` (when set), and no class loses
 * more than `max_class_drop` of recall (when set). When the model in service could not be measured by this
 * trainer (another trainer's model, a Hub pointer, a trainer that writes no comparison), the gate falls back to
 * the number recorded when that model was trained, and says the numbers come from other data (`sameData: false`).
 * A model in service that is missing or corrupt, rows with a label neither model knows, or a pinned evaluation set
 * that cannot be read (`unmade`) promote nothing.
 */
import type { Comparison, MeasuredCurrent } from './comparison-file';
import { formatPValue } from './p-value';
import { pairedTest, type PairedResult } from './paired-test';
import { classRecalls, codeRows, rowMetric } from './row-metrics';
import { rowMetricOf, type RowMetric } from '../config/row-metric-names';

export interface PromotionRule {
  metric: string;
  direction: 'max' | 'min';
  min_delta: number;
  /** The paired test must reject "no better" at this level (e.g. 0.05). */
  significance?: number;
  /** No class may lose more than this much recall. */
  max_class_drop?: number;
}

export interface PromotionDecision {
  promoted: boolean;
  /** Why, in a sentence a person reads in the announcement (with both numbers when there are two). */
  reason: string;
  metric?: string;
  candidate?: number;
  /** The model in service's value: re-measured on the same rows when `sameData`, else as recorded. */
  current?: number;
  currentRevision?: string;
  /** How many rows the numbers come from (both models, when `sameData`). */
  rows?: number;
  /** True when both models were measured on the same rows in this run. */
  sameData?: boolean;
  /** 95% interval of candidate - current. */
  interval?: [number, number];
  /** One-sided p-value of "the candidate is no better". */
  pValue?: number;
  /** The split the numbers come from (`test`, `validation`, or the pinned evaluation set's). */
  split?: string;
}

/**
 * What the trainer measured, or why nothing was (read by comparison-file.ts): `missing` falls back to the recorded
 * numbers; `unmade` is a comparison the pipeline asked for that could not be made (a pinned evaluation set that
 * cannot be read), on which nothing is promoted.
 */
export type Evidence = { comparison: Comparison } | { missing: string } | { unmade: string };

export function decidePromotion(
  rule: PromotionRule | undefined,
  candidate: Record<string, number>,
  current: { revision: string; metrics: Record<string, number> } | undefined,
  evidence: Evidence = { missing: 'no per-row results' },
): PromotionDecision {
  if (!rule) return { promoted: true, reason: 'no promotion gate: the newest model is promoted' };
  if ('unmade' in evidence) {
    const recorded = candidate[rule.metric];
    return {
      promoted: false,
      metric: rule.metric,
      ...(recorded !== undefined ? { candidate: recorded } : {}),
      ...(current ? { currentRevision: current.revision } : {}),
      sameData: false,
      reason: `not promoted: ${evidence.unmade}`,
    };
  }
  const comparison = 'comparison' in evidence ? evidence.comparison : undefined;
  const metric = rowMetricOf(rule.metric);
  const rowsValue = comparison && metric ? measured(metric, comparison) : undefined;
  const value = rowsValue?.value ?? candidate[rule.metric];
  if (value === undefined) {
    return { promoted: false, metric: rule.metric, reason: `not promoted: the run reported no "${rule.metric}"` };
  }
  const base: PromotionDecision = { promoted: false, reason: '', metric: rule.metric, candidate: value };
  if (rowsValue) Object.assign(base, { rows: rowsValue.rows, split: rowsValue.split });
  if (!current) return { ...base, promoted: true, reason: `promoted: first model with ${rule.metric} = ${fmt(value)}` };

  const held = { ...base, currentRevision: current.revision };
  const measuredCurrent = comparison?.current;
  if (measuredCurrent && basename(measuredCurrent.dir) === current.revision) {
    if ('status' in measuredCurrent && measuredCurrent.status === 'unreadable') {
      return {
        ...held,
        sameData: false,
        reason: `not promoted: the model in service (${short(current.revision)}) could not be measured on these rows (${measuredCurrent.error}); no comparison was made`,
      };
    }
    if ('predicted' in measuredCurrent && comparison && metric) {
      return pairedVerdict(rule, metric, held, comparison, measuredCurrent);
    }
  }
  const why = fallbackReason(rule, evidence, measuredCurrent, current.revision);
  return recordedVerdict(rule, held, current, why);
}

function measured(metric: RowMetric, c: Comparison): { value: number; rows: number; split: string } {
  const labels = [...new Set([...c.truth, ...c.candidate.predicted])].sort();
  const all = Int32Array.from({ length: c.truth.length }, (_, i) => i);
  return {
    value: rowMetric(metric, codeRows(c.truth, c.candidate.predicted, labels), all),
    rows: c.truth.length,
    split: c.split,
  };
}

function pairedVerdict(
  rule: PromotionRule,
  metric: RowMetric,
  held: PromotionDecision,
  c: Comparison,
  current: MeasuredCurrent,
): PromotionDecision {
  const revision = held.currentRevision!;
  const unknown = labelsNeitherKnows(c, current);
  if (unknown) {
    return {
      ...held,
      rows: c.truth.length,
      sameData: true,
      reason: `not promoted: the evaluation rows hold ${unknown} that neither model knows; no comparison was made`,
    };
  }
  const test = pairedTest(metric, c.truth, c.candidate.predicted, current.predicted);
  const decision: PromotionDecision = {
    ...held,
    candidate: test.candidate,
    current: test.current,
    rows: test.rows,
    sameData: true,
    interval: test.interval,
    pValue: test.pValue,
  };
  const gain = rule.direction === 'max' ? test.difference : -test.difference;
  const where = `on the same ${test.rows} ${c.source === 'evaluation.dataset' ? `rows of the pinned evaluation set (${c.split})` : `${c.split} rows`}`;
  const selection =
    c.selectedOn === c.split && c.source === 'dataset'
      ? ` (the split the best epoch was chosen on: the dataset has no test split)`
      : '';
  const comparison = `${rule.metric} ${fmt(test.candidate)} vs ${fmt(test.current)} for the model in service (${short(revision)}) ${where}${selection}; ${statistics(test)}`;
  const blocks: string[] = [];
  if (!(gain > rule.min_delta))
    blocks.push(`needs to be ${rule.direction === 'max' ? 'higher' : 'lower'} by more than ${rule.min_delta}`);
  if (rule.significance !== undefined && !(test.pValue < rule.significance))
    blocks.push(`not significant: needs p < ${rule.significance}`);
  if (rule.max_class_drop !== undefined) {
    const drop = worstClassDrop(c.truth, c.candidate.predicted, current.predicted);
    if (drop && drop.drop > rule.max_class_drop)
      blocks.push(
        `class "${drop.label}" recall ${fmt(drop.candidate)} vs ${fmt(drop.current)} drops by more than max_class_drop ${rule.max_class_drop}`,
      );
  }
  const promoted = blocks.length === 0;
  return {
    ...decision,
    promoted,
    reason: promoted ? `promoted: ${comparison}` : `not promoted: ${comparison}; ${blocks.join('; ')}`,
  };
}

/** The old rule on the numbers each model was trained with: said to come from other data. */
function recordedVerdict(
  rule: PromotionRule,
  held: PromotionDecision,
  current: { revision: string; metrics: Record<string, number> },
  why: string,
): PromotionDecision {
  const recorded = current.metrics[rule.metric];
  if (recorded === undefined) {
    return {
      ...held,
      promoted: true,
      sameData: false,
      reason: `promoted: the model in service (${short(current.revision)}) has no recorded ${rule.metric} to beat (${why})`,
    };
  }
  const gain = rule.direction === 'max' ? held.candidate! - recorded : recorded - held.candidate!;
  const promoted = gain > rule.min_delta; // "beats": strictly better by more than min_delta
  const comparison = `${rule.metric} ${fmt(held.candidate!)} vs ${fmt(recorded)} for the model in service (${short(current.revision)}), as recorded when it was trained: measured on other data (${why})`;
  return {
    ...held,
    current: recorded,
    sameData: false,
    promoted,
    reason: promoted
      ? `promoted: ${comparison}`
      : `not promoted: ${comparison}; needs to be ${rule.direction === 'max' ? 'higher' : 'lower'} by more than ${rule.min_delta}`,
  };
}

function fallbackReason(
  rule: PromotionRule,
  evidence: Evidence,
  measuredCurrent: Comparison['current'] | undefined,
  revision: string,
): string {
  if (!('comparison' in evidence)) return 'missing' in evidence ? evidence.missing : evidence.unmade;
  if (!rowMetricOf(rule.metric)) return `${rule.metric} is not computed from per-row results`;
  if (!measuredCurrent) return 'no model was in service when the run started';
  if (basename(measuredCurrent.dir) !== revision)
    return `the run measured ${basename(measuredCurrent.dir).slice(0, 7)}, no longer in service`;
  return 'error' in measuredCurrent ? measuredCurrent.error : 'not measured';
}

/** `"x" (3 rows)` for truth labels neither model has an output for; undefined when there is none. */
function labelsNeitherKnows(c: Comparison, current: MeasuredCurrent): string | undefined {
  const known = new Set([...c.candidate.labels, ...current.labels]);
  const counts = new Map<string, number>();
  for (const label of c.truth) if (!known.has(label)) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  const list = [...counts].map(([label, n]) => `"${label}" (${n} row${n === 1 ? '' : 's'})`).join(', ');
  return `${counts.size === 1 ? 'a label' : 'labels'} ${list}`;
}

function worstClassDrop(
  truth: readonly string[],
  candidate: readonly string[],
  current: readonly string[],
): { label: string; candidate: number; current: number; drop: number } | undefined {
  const now = classRecalls(truth, candidate);
  const before = classRecalls(truth, current);
  let worst: { label: string; candidate: number; current: number; drop: number } | undefined;
  for (const [label, recall] of now) {
    const held = before.get(label) ?? 0;
    if (!worst || held - recall > worst.drop) worst = { label, candidate: recall, current: held, drop: held - recall };
  }
  return worst;
}

function statistics(test: PairedResult): string {
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(4)}`;
  const p = formatPValue(test.pValue);
  return `difference ${signed(test.difference)} (95% interval ${signed(test.interval[0])} to ${signed(test.interval[1])}), p = ${p} (${test.test})`;
}

const short = (revision: string): string => revision.slice(0, 7);

/** The last part of a folder path (no node:path: this module's types reach the workflow bundle). */
const basename = (dir: string): string =>
  dir
    .replace(/[\\/]+$/, '')
    .split(/[\\/]/)
    .pop() ?? dir;

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4);
}
