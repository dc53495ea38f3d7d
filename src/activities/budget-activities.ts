/**
 * The activities of a run's cost and budget: the price of its machine, a reservation of its estimate in the spend
 * ledger (BudgetWorkflow, through an Update started with it the first time), and, once the job ends, what the run
 * cost, settled in the ledger. The ledger answers a retried reservation or settlement as it did the first.
 */
import { Context, log } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Price } from '../budget/cost-math';
import { billedSeconds, costOf, round } from '../budget/cost-math';
import { priceOfRun } from '../budget/run-price';
import type { JobRef, RunContext, TrainingBackend } from '../backends/types';
import type { PipelineSpec } from '../config/config-schema';
import {
  BUDGET_WORKFLOW,
  budgetWorkflowId,
  openReservationsQuery,
  releaseUpdate,
  reserveUpdate,
  settleUpdate,
  type ReserveAnswer,
  type ReserveRequest,
  type SettleAnswer,
} from '../workflows/budget-definitions';
import type { BudgetWorkflow } from '../workflows/budget';
import type { RunCost } from '../workflows/definitions';

export interface SettleInput {
  run: RunContext;
  runId: string;
  price: Price;
  job?: JobRef;
  /** How long the run saw its training take (workflow time): the seconds where the backend does not say. */
  trainingSeconds: number;
}

export function createBudgetActivities(backendFor: (pipeline: PipelineSpec) => TrainingBackend) {
  return {
    async priceRun(run: RunContext): Promise<Price> {
      return priceOfRun(backendFor(run.pipeline), run);
    },

    /** Reserves the run's estimate, after freeing the reservations of runs that ended without settling. */
    async reserveBudget(request: ReserveRequest): Promise<ReserveAnswer> {
      await releaseEnded(request.runId);
      return ledgerUpdate(reserveUpdate, request);
    },

    /** What the run cost (the backend's own count of seconds where it keeps one), settled in the ledger. */
    async settleRunCost(input: SettleInput): Promise<{ cost: RunCost; ledger: SettleAnswer }> {
      const backend = backendFor(input.run.pipeline);
      const counted = input.job && backend.runSeconds ? await backend.runSeconds(input.run, input.job) : undefined;
      const seconds = round(counted ?? (input.job ? input.trainingSeconds : 0), 2);
      const { price } = input;
      const cost: RunCost = {
        usd: costOf(price, seconds),
        seconds,
        billedSeconds: billedSeconds(price, seconds),
        hardware: price.hardware,
        pricePerHour: price.pricePerHour,
        priceSource: price.priceSource,
      };
      const ledger = await ledgerUpdate(settleUpdate, {
        runId: input.runId,
        pipeline: input.run.pipeline.name,
        backend: input.run.pipeline.backend.type,
        usd: cost.usd,
        seconds,
      });
      return { cost, ledger };
    },
  };
}

/** At most this many open reservations are looked at per reservation (each costs a describe). */
const RELEASE_CHECKS = 50;

/**
 * A run that ended without settling (terminated, or timed out: its workflow code never ran its `finally`) would hold
 * its reservation forever: the ledger frees the reservations of runs that are no longer running (or are gone), so what
 * is left counts only the runs that may still spend. Best effort: a failure here never stops the reservation.
 */
async function releaseEnded(except: string): Promise<void> {
  const { client, info } = Context.current();
  const ledger = client.workflow.getHandle(budgetWorkflowId(info.taskQueue));
  let open: string[];
  try {
    open = await ledger.query(openReservationsQuery);
  } catch {
    return; // no ledger yet: nothing is reserved
  }
  const ended: string[] = [];
  for (const runId of open.filter((id) => id !== except).slice(0, RELEASE_CHECKS)) {
    try {
      const { status } = await client.workflow.getHandle(runId).describe();
      if (status.name !== 'RUNNING') ended.push(runId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) ended.push(runId);
    }
  }
  if (ended.length === 0) return;
  try {
    const { released } = await ledger.executeUpdate(releaseUpdate, { args: [{ runIds: ended }] });
    for (const r of released) log.warn('released the reservation of a run that ended without settling', r);
  } catch (err) {
    log.warn('could not release the reservations of ended runs', { error: (err as Error).message });
  }
}

/** An Update of this task queue's ledger, starting it if it does not run yet. */
async function ledgerUpdate<Ret, Arg>(update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
  const { client, info } = Context.current();
  const start = new WithStartWorkflowOperation<typeof BudgetWorkflow>(BUDGET_WORKFLOW, {
    workflowId: budgetWorkflowId(info.taskQueue),
    taskQueue: info.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{}],
  });
  return client.workflow.executeUpdateWithStart(update, { args: [arg], startWorkflowOperation: start });
}
