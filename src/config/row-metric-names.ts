/**
 * The promotion metrics the gate can compute from each row's result (src/registry/row-metrics.ts computes
 * them); the config check accepts only these where rows are needed.
 */

export const ROW_METRICS = ['accuracy', 'macro_f1', 'macro_precision', 'macro_recall'] as const;

export type RowMetric = (typeof ROW_METRICS)[number];

/**
 * The per-row metric a promotion metric names: `accuracy`, or as the transformers Trainer names it for the Jobs
 * backend, `eval_accuracy`; undefined for one the rows cannot give (`eval_loss`).
 */
export function rowMetricOf(name: string): RowMetric | undefined {
  const bare = name.startsWith('eval_') ? name.slice(5) : name;
  return (ROW_METRICS as readonly string[]).includes(bare) ? (bare as RowMetric) : undefined;
}
