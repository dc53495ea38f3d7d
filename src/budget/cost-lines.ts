/** A run's cost and budget in one line each: for announcements, the model card, the CLI. */
import type { RunBudget, RunCost } from '../workflows/definitions';

/** A pipeline's month, as the status page and the CLI show it. */
export interface MonthSpend {
  spentUsd: number;
  reservedUsd: number;
  runs: number;
  monthlyUsd?: number;
}

export const dollars = (usd: number): string => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;

/** "$0.0167: 60 s billed (42 s run) of a10g-small at $1/h (hub:/api/jobs/hardware)". */
export function costLine(cost: RunCost): string {
  const seconds =
    cost.billedSeconds === undefined ? `${cost.seconds} s` : `${cost.billedSeconds} s billed (${cost.seconds} s run)`;
  return `${dollars(cost.usd)}: ${seconds} of ${cost.hardware} at $${cost.pricePerHour}/h (${cost.priceSource})`;
}

/** The figures of a budget check: the estimate, what it is based on, and what is left of each monthly budget. */
export function budgetLine(budget: RunBudget): string {
  const scope = (what: string, f: RunBudget['pipeline']) =>
    f.limitUsd === undefined
      ? undefined
      : `${what} ${budget.month}: ${dollars(f.spentUsd)} spent, ${dollars(f.reservedUsd)} reserved, ${dollars(f.leftUsd ?? 0)} left of ${dollars(f.limitUsd)}`;
  return [
    `estimate ${dollars(budget.estimateUsd)} (${budget.estimateSeconds} s of ${budget.hardware} at $${budget.pricePerHour}/h, ${budget.basis}; ${budget.priceSource})`,
    scope('pipeline', budget.pipeline),
    budget.global && scope('all pipelines', budget.global),
    budget.reason,
  ]
    .filter(Boolean)
    .join('; ');
}

/** "$0.0333 in 2 runs, $0.0167 reserved, of $0.04 (monthly_usd)". */
export function spendLine(spend: MonthSpend): string {
  const reserved = spend.reservedUsd > 0 ? `, ${dollars(spend.reservedUsd)} reserved` : '';
  const limit = spend.monthlyUsd !== undefined ? `, of ${dollars(spend.monthlyUsd)} (monthly_usd)` : '';
  return `${dollars(spend.spentUsd)} in ${spend.runs} run${spend.runs === 1 ? '' : 's'}${reserved}${limit}`;
}
