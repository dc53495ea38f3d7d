/**
 * The data report of a revision: what each data check found (the trainers' `check-data` command) and what the
 * pipeline's `data_checks` make of it. Plain JSON: it lands in the run's history, its view, and beside the model
 * as `data-report.json`. Types and pure functions only (workflow code imports the types).
 */
import type { DataCheckName, DataCheckPolicy } from '../config/data-checks';

export const DATA_REPORT_FILE = 'data-report.json';

export type DataCheckStatus = 'pass' | 'warn' | 'fail';

/** One check of the run view's `dataChecks` (design.md: check, status, count, examples, detail). */
export interface DataCheckResult {
  check: DataCheckName;
  status: DataCheckStatus;
  /** Rows, labels or classes found (the detail says which); 0 is a pass. */
  count: number;
  /** Up to 10, each naming where (`validation.csv:14`). */
  examples: string[];
  detail: string;
  /** What the pipeline does when this check finds something. */
  policy: DataCheckPolicy;
  /** Set when the check itself could not run (it is then treated by its policy): why. */
  error?: string;
}

/** What the checks found, before the policies: the trainers' `check-data` answer. */
export interface DataFinding {
  check: DataCheckName;
  count: number;
  examples: string[];
  detail: string;
  error?: string;
}

export interface DataReport {
  pipeline: string;
  dataset: string;
  revision: string;
  checkedAt: string;
  checks: DataCheckResult[];
  /** The columns read (label first), when they could be chosen. */
  columns?: { label?: string; inputs: string[] };
  rows?: Record<string, number>;
  /** The train split's label distribution: the labels the model will know. */
  labels?: Record<string, number>;
  /** The revision the model in service was trained on, when the report compares with it. */
  previousRevision?: string;
  /**
   * That revision as the checks read it (when they could): its labelled rows, its train labels, and the rows added,
   * removed and relabelled since (the `changes` check's numbers).
   */
  previous?: {
    revision: string;
    rows: number;
    labels: Record<string, number>;
    added: number;
    removed: number;
    relabelled: number;
  };
  /** Set when the checks did not run at all (a task they do not know): why. */
  skipped?: string;
}

/** A finding under its policy: a pass when it found nothing and ran; else what the policy says. */
export function judge(finding: DataFinding, policy: DataCheckPolicy): DataCheckResult {
  const found = finding.count > 0 || finding.error !== undefined;
  const status: DataCheckStatus = !found ? 'pass' : policy === 'fail' ? 'fail' : 'warn';
  return { ...finding, status, policy };
}

/** Checks whose finding stops the run, and those whose finding waits for a person. */
export function verdict(checks: readonly DataCheckResult[]): {
  failed: DataCheckResult[];
  toApprove: DataCheckResult[];
} {
  return {
    failed: checks.filter((c) => c.status === 'fail'),
    toApprove: checks.filter((c) => c.status === 'warn' && c.policy === 'approve'),
  };
}

/** "leakage: 30 (validation.csv:2: ...)", one line per check that found something. */
export function findingLine(c: DataCheckResult): string {
  const what = c.error ? `could not run (${c.error})` : `${c.count}`;
  return `${c.check}: ${what}${c.examples[0] ? ` (${c.examples[0]})` : ''}`;
}
