/**
 * The activities of a run's cost and budget: the price of its machine, a reservation of its estimate in the spend
 * ledger (BudgetWorkflow, through an Update started with it the first time), and, once the job ends, what the run
 * cost, settled in the ledger. The ledger answers a retried reservation or settlement as it did the first.
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Price } from '../budget/cost-math';
import { billedSeconds, costOf, round } from '../budget/cost-math';
import { priceOfRun } from '../budget/run-price';
import type { JobRef, RunContext, TrainingBackend } from '../backends/types';
import type { PipelineSpec } from '../config/config-schema';
import {
  BUDGET_WORKFLOW,
  budgetWorkflowId,
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

    async reserveBudget(request: ReserveRequest): Promise<ReserveAnswer> {
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
