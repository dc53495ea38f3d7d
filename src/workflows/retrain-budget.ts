/**
 * What a run costs and the budget it is held to (patch 'cost-and-budget'). Before its job starts, the run prices
 * its machine and, when its pipeline has a budget (or a global one applies), reserves its estimate in the spend
 * ledger (BudgetWorkflow): over budget it waits for approval with the figures, or fails, as `budget.over` says.
 * While it trains, a training that would pass `per_run_usd` at its machine's rate is stopped (the compensation
 * cancels the job). When the training ends, however it ends, what it cost is settled in the ledger.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { perRunLimitSeconds, unitsWithin, type Price } from '../budget/cost-math';
import type { ReserveAnswer } from './budget-definitions';
import type { JobRef } from '../backends/types';
import type { RetrainInput, RetrainProgress, RunBudget } from './definitions';
import { describe } from './announcement';
import { priceActivities, stepActivities } from './retrain-activities';
import { PER_RUN_WHOLE_UNITS } from './retrain-patches';

export const OVER_BUDGET = 'OverBudget';

export interface BudgetCheck {
  price: Price;
  /** The run's estimate did not fit: it waits for approval before its job starts. */
  hold: boolean;
}

const runOf = (input: RetrainInput) => ({ pipeline: input.pipeline, revision: input.revision, attempt: input.attempt });

/**
 * Prices the run and, with a budget, reserves its estimate; fails an over-budget run whose budget says `fail`. A run
 * without a budget whose machine has no price trains anyway, with no cost recorded (undefined): its progress says
 * `priceUnknown`, why.
 */
export async function checkBudget(input: RetrainInput, progress: RetrainProgress): Promise<BudgetCheck | undefined> {
  if (!budgeted(input)) {
    try {
      return { price: await priceActivities.priceRun(runOf(input)), hold: false };
    } catch (err) {
      if (isCancellation(err)) throw err;
      progress.priceUnknown = describe(err);
      log.warn('no price for the run: its cost is not recorded', { error: progress.priceUnknown });
      return undefined;
    }
  }
  const price = await priceActivities.priceRun(runOf(input));
  const answer = await reserve(input, price, false);
  progress.budget = budgetView(input, price, answer, answer.granted ? 'reserved' : 'over-budget');
  if (answer.granted) return { price, hold: false };
  log.warn('the run is over budget', { reason: answer.reason, estimateUsd: answer.amountUsd });
  if (input.pipeline.budget?.over === 'fail') {
    progress.outcome = 'failed';
    throw ApplicationFailure.nonRetryable(`over budget: ${answer.reason}`, OVER_BUDGET);
  }
  return { price, hold: true };
}

/** An over-budget run that was approved: its estimate is reserved over the limits. */
export async function reserveApproved(input: RetrainInput, progress: RetrainProgress, price: Price): Promise<void> {
  const answer = await reserve(input, price, true);
  progress.budget = budgetView(input, price, answer, 'approved-over-budget');
}

/**
 * The wait for the training, held to `per_run_usd`: within the whole billing units it pays for (patch
 * 'per-run-whole-units'; before it, at `per_run_usd` ÷ the price per hour); if the training has not ended by then,
 * the wait ends with an OverBudget failure (the compensation stops the job).
 */
export async function heldToPerRun<T>(
  input: RetrainInput,
  progress: RetrainProgress,
  price: Price,
  wait: () => Promise<T>,
): Promise<T> {
  const perRunUsd = input.pipeline.budget?.per_run_usd;
  if (perRunUsd === undefined || price.pricePerHour <= 0) return wait();
  const wholeUnits = patched(PER_RUN_WHOLE_UNITS);
  const limitMs = wholeUnits
    ? perRunLimitSeconds(price, perRunUsd) * 1000
    : (perRunUsd / price.pricePerHour) * 3_600_000;
  const startedAt = Date.parse(progress.timings.training ?? new Date().toISOString());
  const waiting = new CancellationScope();
  const ended = waiting.run(wait);
  ended.catch(() => undefined); // awaited below
  const timing = new CancellationScope();
  const limit = timing.run(() => sleep(Math.max(1, startedAt + limitMs - Date.now())));
  limit.catch(() => undefined);
  try {
    const first = await Promise.race([ended.then(() => 'ended' as const), limit.then(() => 'limit' as const)]);
    if (first === 'ended') return await ended;
  } finally {
    timing.cancel();
  }
  waiting.cancel();
  try {
    return await ended; // it ended in the same activation
  } catch (err) {
    if (!isCancellation(err)) throw err;
  }
  const units = Math.max(1, unitsWithin(price, perRunUsd));
  const billed = wholeUnits ? `, billed per ${price.billingUnitSeconds} s` : '';
  const within = wholeUnits ? `, within ${units} billing unit${units === 1 ? '' : 's'}` : '';
  const why =
    `the training would pass budget.per_run_usd ($${perRunUsd}) at ${price.hardware}'s $${price.pricePerHour}/h${billed}: ` +
    `stopped after ${Math.round(limitMs / 1000)}s${within}`;
  if (progress.budget) progress.budget.stopped = why;
  progress.outcome = 'failed';
  throw ApplicationFailure.nonRetryable(why, OVER_BUDGET);
}

/**
 * What the run cost, recorded in its progress and settled in the ledger (which frees its reservation). A run that
 * started no job and reserved nothing has nothing to settle. A failure here is logged: it never fails the run.
 */
export async function settleCost(
  input: RetrainInput,
  progress: RetrainProgress,
  price: Price,
  job: JobRef | undefined,
): Promise<void> {
  if (!job && progress.budget?.decision !== 'reserved' && progress.budget?.decision !== 'approved-over-budget') return;
  const started = progress.timings.training ? Date.parse(progress.timings.training) : Date.now();
  try {
    const settled = await stepActivities.settleRunCost({
      run: runOf(input),
      runId: workflowInfo().workflowId,
      price,
      job,
      trainingSeconds: Math.max(0, (Date.now() - started) / 1000),
    });
    progress.cost = settled.cost;
    upsertMemo({ cost: settled.cost }); // the runs list shows it without a worker
    if (progress.budget) progress.budget.pipeline = { ...progress.budget.pipeline, ...settled.ledger.pipeline };
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.error('could not settle what the run cost', { error: (err as Error).message });
  }
}

function budgeted(input: RetrainInput): boolean {
  return input.pipeline.budget !== undefined || input.pipeline.global_budget !== undefined;
}

function reserve(input: RetrainInput, price: Price, force: boolean): Promise<ReserveAnswer> {
  const { pipeline } = input;
  const backend = pipeline.backend;
  const timeoutSeconds =
    backend.type === 'hf-jobs'
      ? Math.min(backend.timeout_seconds, pipeline.max_training_time)
      : pipeline.max_training_time;
  return stepActivities.reserveBudget({
    runId: workflowInfo().workflowId,
    pipeline: pipeline.name,
    estimate: {
      pricePerHour: price.pricePerHour,
      billingUnitSeconds: price.billingUnitSeconds,
      timeoutSeconds,
      basis: pipeline.budget?.estimate ?? 'timeout',
      ...(pipeline.budget?.per_run_usd !== undefined ? { perRunUsd: pipeline.budget.per_run_usd } : {}),
    },
    limits: {
      ...(pipeline.budget?.monthly_usd !== undefined ? { monthlyUsd: pipeline.budget.monthly_usd } : {}),
      ...(pipeline.global_budget ? { globalMonthlyUsd: pipeline.global_budget.monthly_usd } : {}),
    },
    ...(force ? { force } : {}),
  });
}

function budgetView(
  input: RetrainInput,
  price: Price,
  answer: ReserveAnswer,
  decision: RunBudget['decision'],
): RunBudget {
  return {
    month: answer.month,
    estimateUsd: answer.amountUsd,
    basis: answer.basis,
    estimateSeconds: answer.estimateSeconds,
    pricePerHour: price.pricePerHour,
    hardware: price.hardware,
    priceSource: price.priceSource,
    decision,
    ...(answer.reason ? { reason: answer.reason } : {}),
    pipeline: answer.pipeline,
    ...(answer.global ? { global: answer.global } : {}),
    ...(input.pipeline.budget?.per_run_usd !== undefined ? { perRunUsd: input.pipeline.budget.per_run_usd } : {}),
  };
}
