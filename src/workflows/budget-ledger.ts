/**
 * The spend ledger's bookkeeping, without Temporal: BudgetWorkflow holds one and runs each Update through it, one
 * at a time, so two runs that reserve at once are answered in turn and cannot both take the last dollars.
 */
import { costOf, round, unitCostOf, unitsWithin } from '../budget/cost-math';
import {
  MEDIAN_AFTER_RUNS,
  type BudgetView,
  type LedgerState,
  type MonthFigures,
  type ReleaseAnswer,
  type ReleaseRequest,
  type ReserveAnswer,
  type ReserveRequest,
  type SettleAnswer,
  type SettleRequest,
} from './budget-definitions';

/** Months kept (the current one and the year before it). */
const KEEP_MONTHS = 13;
/** Durations kept per pipeline for a median estimate. */
const KEEP_SECONDS = 10;
/** Amounts are kept to the micro-dollar: sums of floats would drift. */
const usd = (value: number) => round(value, 6);

export const emptyLedger = (): LedgerState => ({ months: {}, open: {}, settled: {}, totals: {}, recentSeconds: {} });

/** UTC `YYYY-MM` of a date. */
export const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

export class Ledger {
  constructor(readonly state: LedgerState) {}

  reserve(request: ReserveRequest, now: Date): ReserveAnswer {
    const held = this.state.open[request.runId];
    const month = held?.month ?? this.state.settled[request.runId] ?? monthOf(now);
    const estimate = this.estimate(request);
    const answer = (granted: boolean, reason?: string): ReserveAnswer => ({
      granted,
      month,
      ...estimate,
      amountUsd: held?.amountUsd ?? estimate.amountUsd,
      pipeline: this.figures(month, request.pipeline, request.limits.monthlyUsd),
      ...(request.limits.globalMonthlyUsd !== undefined
        ? { global: this.figures(month, undefined, request.limits.globalMonthlyUsd) }
        : {}),
      ...(reason ? { reason } : {}),
    });
    // A retried reservation (or one of a run already settled) is answered as the first one was.
    if (held || this.state.settled[request.runId]) return answer(true);
    const before = answer(false);
    const amount = estimate.amountUsd;
    const over = [
      beyondPerRun(request),
      exceeds(before.pipeline, amount, `the pipeline's monthly_usd`),
      before.global && exceeds(before.global, amount, 'the global monthly_usd'),
    ].find(Boolean);
    if (over && !request.force) return { ...before, reason: over };
    this.state.open[request.runId] = { month, pipeline: request.pipeline, amountUsd: amount };
    const entry = this.entry(month, request.pipeline);
    entry.reservedUsd = usd(entry.reservedUsd + amount);
    return answer(true);
  }

  /**
   * Price × the timeout, or × the median of the pipeline's last runs; never more than the whole billing units
   * per_run_usd pays for (one, for a run approved although one unit costs more), where the training is stopped.
   */
  private estimate(request: ReserveRequest): Pick<ReserveAnswer, 'amountUsd' | 'basis' | 'estimateSeconds'> {
    const { estimate } = request;
    const recent = this.state.recentSeconds[request.pipeline] ?? [];
    const median = estimate.basis === 'median' && recent.length >= MEDIAN_AFTER_RUNS;
    const seconds = median ? medianOf(recent) : estimate.timeoutSeconds;
    const cost = costOf(estimate, seconds);
    const units = estimate.perRunUsd !== undefined ? unitsWithin(estimate, estimate.perRunUsd) : Infinity;
    const amountUsd = Number.isFinite(units) ? Math.min(cost, Math.max(1, units) * unitCostOf(estimate)) : cost;
    return { amountUsd: usd(amountUsd), basis: median ? 'median' : 'timeout', estimateSeconds: seconds };
  }

  settle(request: SettleRequest, now: Date): SettleAnswer {
    const done = this.state.settled[request.runId];
    if (done) return { month: done, pipeline: this.figures(done, request.pipeline), counted: false };
    const held = this.state.open[request.runId];
    const month = held?.month ?? monthOf(now);
    const entry = this.entry(month, request.pipeline);
    if (held) {
      entry.reservedUsd = usd(Math.max(0, entry.reservedUsd - held.amountUsd));
      delete this.state.open[request.runId];
    }
    entry.spentUsd = usd(entry.spentUsd + request.usd);
    entry.runs += 1;
    const totals = (this.state.totals[request.pipeline] ??= {});
    totals[request.backend] = usd((totals[request.backend] ?? 0) + request.usd);
    if (request.seconds > 0) {
      const recent = [...(this.state.recentSeconds[request.pipeline] ?? []), Math.round(request.seconds)];
      this.state.recentSeconds[request.pipeline] = recent.slice(-KEEP_SECONDS);
    }
    this.state.settled[request.runId] = month;
    this.prune(month);
    return { month, pipeline: this.figures(month, request.pipeline), counted: true };
  }

  /** Frees the reservations of these runs (they ended without settling); the rest are left as they are. */
  release(request: ReleaseRequest): ReleaseAnswer {
    const released: ReleaseAnswer['released'] = [];
    for (const runId of new Set(request.runIds)) {
      const held = this.state.open[runId];
      if (!held) continue;
      const entry = this.entry(held.month, held.pipeline);
      entry.reservedUsd = usd(Math.max(0, entry.reservedUsd - held.amountUsd));
      delete this.state.open[runId];
      released.push({ runId, pipeline: held.pipeline, amountUsd: held.amountUsd });
    }
    return { released };
  }

  openRunIds(): string[] {
    return Object.keys(this.state.open);
  }

  view(): BudgetView {
    const months = Object.entries(this.state.months).flatMap(([month, pipelines]) =>
      Object.entries(pipelines).map(([pipeline, e]) => ({ pipeline, month, ...e })),
    );
    const totals = Object.entries(this.state.totals).flatMap(([pipeline, byBackend]) =>
      Object.entries(byBackend).map(([backend, amount]) => ({ pipeline, backend, usd: amount })),
    );
    return { months, totals, open: Object.keys(this.state.open).length };
  }

  /** A pipeline's figures in a month, or all pipelines' (pipeline undefined). */
  private figures(month: string, pipeline: string | undefined, limitUsd?: number): MonthFigures {
    const entries = Object.entries(this.state.months[month] ?? {})
      .filter(([name]) => pipeline === undefined || name === pipeline)
      .map(([, e]) => e);
    const spentUsd = usd(entries.reduce((sum, e) => sum + e.spentUsd, 0));
    const reservedUsd = usd(entries.reduce((sum, e) => sum + e.reservedUsd, 0));
    if (limitUsd === undefined) return { spentUsd, reservedUsd };
    return { spentUsd, reservedUsd, limitUsd, leftUsd: usd(Math.max(0, limitUsd - spentUsd - reservedUsd)) };
  }

  private entry(month: string, pipeline: string) {
    const byPipeline = (this.state.months[month] ??= {});
    return (byPipeline[pipeline] ??= { spentUsd: 0, reservedUsd: 0, runs: 0 });
  }

  /** Drops months (and the settled runs of months) older than KEEP_MONTHS before `month`. */
  private prune(month: string): void {
    const keep = new Set(Object.keys(this.state.months).sort().slice(-KEEP_MONTHS));
    keep.add(month);
    for (const m of Object.keys(this.state.months)) if (!keep.has(m)) delete this.state.months[m];
    for (const [run, m] of Object.entries(this.state.settled)) if (!keep.has(m)) delete this.state.settled[run];
  }
}

/** Why `amount` does not fit what is left, or undefined when it does (or there is no limit). */
function exceeds(figures: MonthFigures, amount: number, what: string): string | undefined {
  if (figures.leftUsd === undefined || amount <= figures.leftUsd + 1e-9) return undefined;
  return `the estimate $${amount.toFixed(4)} is more than what is left of ${what} ($${figures.leftUsd.toFixed(4)} of $${figures.limitUsd!.toFixed(2)}: $${figures.spentUsd.toFixed(4)} spent, $${figures.reservedUsd.toFixed(4)} reserved)`;
}

/** Why the run cannot fit per_run_usd at all (one billing unit already costs more), or undefined. */
function beyondPerRun({ estimate }: ReserveRequest): string | undefined {
  const { perRunUsd } = estimate;
  if (perRunUsd === undefined || unitsWithin(estimate, perRunUsd) > 0) return undefined;
  return `one billing unit (${estimate.billingUnitSeconds} s at $${estimate.pricePerHour}/h) costs $${unitCostOf(estimate).toFixed(4)}, more than the pipeline's per_run_usd ($${perRunUsd.toFixed(4)})`;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
