/**
 * The spend ledger's names and messages, shared by BudgetWorkflow, the activities that reserve and settle through
 * it, and the receiver that reads it (status page, /metrics). Types and definitions only: bundled into workflows.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const BUDGET_WORKFLOW = 'BudgetWorkflow';
/** One ledger per task queue (a deployment's workers share one): every pipeline's spend, and the global budget. */
export const budgetWorkflowId = (taskQueue: string): string => `budget:${taskQueue}`;

/** The limits a reservation is checked against (from the run's pipeline spec). */
export interface BudgetLimits {
  monthlyUsd?: number;
  globalMonthlyUsd?: number;
}

/** How the ledger estimates a run: the price, and the seconds it may take or has taken before. */
export interface EstimateBasis {
  pricePerHour: number;
  billingUnitSeconds: number;
  /** The longest the training may run (the job's timeout, or max_training_time). */
  timeoutSeconds: number;
  /** `median`: of the pipeline's last runs, once MEDIAN_AFTER_RUNS have settled; `timeout` until then. */
  basis: 'timeout' | 'median';
  /** A run is stopped at per_run_usd, so it never reserves more. */
  perRunUsd?: number;
}

/** A median estimate needs this many settled runs of the pipeline. */
export const MEDIAN_AFTER_RUNS = 3;

export interface ReserveRequest {
  /** The run's workflow id: a retried reservation finds the first one. */
  runId: string;
  pipeline: string;
  estimate: EstimateBasis;
  limits: BudgetLimits;
  /** Take the amount even over the limits (the run was approved over budget). */
  force?: boolean;
}

/** A month's figures for one scope (a pipeline, or all of them). */
export interface MonthFigures {
  spentUsd: number;
  reservedUsd: number;
  limitUsd?: number;
  /** limitUsd - spent - reserved, never below 0 (absent without a limit). */
  leftUsd?: number;
}

export interface ReserveAnswer {
  granted: boolean;
  /** UTC `YYYY-MM` of the reservation. */
  month: string;
  /** The estimate, reserved when granted. */
  amountUsd: number;
  /** What the estimate was based on. */
  basis: 'timeout' | 'median';
  estimateSeconds: number;
  pipeline: MonthFigures;
  global?: MonthFigures;
  /** Why it was not granted. */
  reason?: string;
}

export interface SettleRequest {
  runId: string;
  pipeline: string;
  backend: string;
  usd: number;
  seconds: number;
}

export interface SettleAnswer {
  month: string;
  pipeline: MonthFigures;
  /** False when this run was settled before (a retry): nothing was counted twice. */
  counted: boolean;
}

export interface PipelineMonth {
  pipeline: string;
  month: string;
  spentUsd: number;
  reservedUsd: number;
  runs: number;
}

/** What the ledger shows: the months it keeps, per pipeline, and what each pipeline spent on each backend ever. */
export interface BudgetView {
  months: PipelineMonth[];
  /** Cumulative USD by pipeline and backend since the ledger began (the spend counter). */
  totals: Array<{ pipeline: string; backend: string; usd: number }>;
  /** Open reservations. */
  open: number;
}

/** Frees the reservations of runs that ended without settling (terminated, timed out): they will never settle. */
export interface ReleaseRequest {
  runIds: string[];
}

export interface ReleaseAnswer {
  /** The reservations freed (a run without one, or settled, is left as it is). */
  released: Array<{ runId: string; pipeline: string; amountUsd: number }>;
}

export const reserveUpdate = defineUpdate<ReserveAnswer, [ReserveRequest]>('reserve');
export const releaseUpdate = defineUpdate<ReleaseAnswer, [ReleaseRequest]>('release');
/** The run ids (workflow ids) that hold a reservation. */
export const openReservationsQuery = defineQuery<string[]>('openReservations');
export const settleUpdate = defineUpdate<SettleAnswer, [SettleRequest]>('settle');
export const budgetViewQuery = defineQuery<BudgetView>('budget');

export interface BudgetInput {
  carried?: LedgerState;
  /** Continue as new after this many history events (tests lower it). */
  rollAfterEvents?: number;
}

/** The ledger's state, carried through continue-as-new. */
export interface LedgerState {
  /** `YYYY-MM` -> pipeline -> figures. */
  months: Record<string, Record<string, { spentUsd: number; reservedUsd: number; runs: number }>>;
  open: Record<string, { month: string; pipeline: string; amountUsd: number }>;
  /** Runs settled, by month (kept for the months the ledger keeps): a retried settle counts nothing. */
  settled: Record<string, string>;
  totals: Record<string, Record<string, number>>;
  recentSeconds: Record<string, number[]>;
}
