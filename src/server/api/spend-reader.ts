/**
 * The spend ledger as the receiver reads it (the `budget` query of BudgetWorkflow, `budget:<taskQueue>`): for the
 * status page's month per pipeline and the spend counter at /metrics. A ledger that has not started yet (no run has
 * been priced) is an empty one; one that cannot be read in time is undefined (the page and the scrape go without).
 */
import type { Client } from '@temporalio/client';
import { budgetViewQuery, budgetWorkflowId, type BudgetView } from '../../workflows/budget-definitions';
import { monthOf } from '../../workflows/budget-ledger';
import type { PipelineSpec } from '../../config/config-schema';
import type { SpendView } from './api-schemas';

const EMPTY: BudgetView = { months: [], totals: [], open: 0 };

export class SpendReader {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeoutMs = 2000,
  ) {}

  async view(): Promise<BudgetView | undefined> {
    try {
      return await this.client.connection.withDeadline(Date.now() + this.timeoutMs, () =>
        this.client.workflow.getHandle(budgetWorkflowId(this.taskQueue)).query(budgetViewQuery),
      );
    } catch (err) {
      return (err as Error).name === 'WorkflowNotFoundError' ? EMPTY : undefined;
    }
  }
}

/** A pipeline's spend in `month` (this month by default), with its monthly budget. */
export function pipelineSpend(view: BudgetView, spec: PipelineSpec, month = monthOf(new Date())): SpendView {
  const entry = view.months.find((m) => m.pipeline === spec.name && m.month === month);
  return {
    month,
    spentUsd: entry?.spentUsd ?? 0,
    reservedUsd: entry?.reservedUsd ?? 0,
    runs: entry?.runs ?? 0,
    ...(spec.budget?.monthly_usd !== undefined ? { monthlyUsd: spec.budget.monthly_usd } : {}),
  };
}
