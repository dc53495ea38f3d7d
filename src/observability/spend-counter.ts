/**
 * `hub_retrain_spend_usd_total{pipeline,backend}`: what every run has cost, in US dollars, read from the spend ledger
 * (BudgetWorkflow's `budget` query) when Prometheus scrapes. The ledger settles each run once (a retried settlement
 * counts nothing), so the counter is exact and survives restarts of the receiver and the workers; a scrape that
 * cannot read the ledger in time has no sample.
 */
import { Counter, type Registry } from 'prom-client';
import type { BudgetView } from '../workflows/budget-definitions';

export function registerSpendCounter(registry: Registry, read: () => Promise<BudgetView | undefined>): void {
  new Counter({
    name: 'hub_retrain_spend_usd_total',
    help: 'What training runs have cost, in US dollars, per pipeline and backend (from the spend ledger)',
    labelNames: ['pipeline', 'backend'] as const,
    registers: [registry],
    async collect() {
      const view = await read();
      this.reset();
      for (const total of view?.totals ?? []) this.inc({ pipeline: total.pipeline, backend: total.backend }, total.usd);
    },
  });
}
