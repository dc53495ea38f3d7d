/**
 * BudgetWorkflow: the spend ledger, one long-lived entity per task queue (`budget:<taskQueue>`). Runs reserve their
 * estimate before their job starts and settle what they cost when it ends, each through an Update (started with it
 * the first time: update-with-start). Updates run one at a time against the ledger's state, so two runs that reserve
 * at once cannot both take the last dollars; the state lives in the workflow's history, so a restarted or second
 * worker forgets nothing. A run that ended without settling (terminated) is released (`release`, sent by the next
 * reservation, which finds it closed). It continues as new (with its state) once its history grows, after its handlers finish.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  budgetViewQuery,
  openReservationsQuery,
  releaseUpdate,
  reserveUpdate,
  settleUpdate,
  type BudgetInput,
  type ReleaseRequest,
  type ReserveRequest,
  type SettleRequest,
} from './budget-definitions';
import { emptyLedger, Ledger } from './budget-ledger';

const ROLL_AFTER_EVENTS = 2_000;
const BUDGET_REFUSED = 'BudgetRequestRefused';

export async function BudgetWorkflow(input: BudgetInput = {}): Promise<void> {
  const ledger = new Ledger(input.carried ?? emptyLedger());
  setHandler(reserveUpdate, (request) => ledger.reserve(request, new Date()), {
    validator: (request: ReserveRequest) =>
      refuseUnless(
        validReserve(request),
        'expected {runId, pipeline, estimate: {pricePerHour, billingUnitSeconds, timeoutSeconds, basis}, limits}',
      ),
  });
  setHandler(settleUpdate, (request) => ledger.settle(request, new Date()), {
    validator: (request: SettleRequest) =>
      refuseUnless(validSettle(request), 'expected {runId, pipeline, backend, usd ≥ 0, seconds ≥ 0}'),
  });
  setHandler(releaseUpdate, (request) => ledger.release(request), {
    validator: (request: ReleaseRequest) => refuseUnless(validRelease(request), 'expected {runIds: [run id, ...]}'),
  });
  setHandler(budgetViewQuery, () => ledger.view());
  setHandler(openReservationsQuery, () => ledger.openRunIds());

  const rollAfter = input.rollAfterEvents ?? ROLL_AFTER_EVENTS;
  await condition(() => workflowInfo().historyLength >= rollAfter || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof BudgetWorkflow>({ carried: ledger.state, rollAfterEvents: input.rollAfterEvents });
}

function refuseUnless(valid: boolean, expected: string): void {
  if (!valid) throw ApplicationFailure.create({ type: BUDGET_REFUSED, message: expected, nonRetryable: true });
}

const amount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const name = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 300;
const optionalAmount = (v: unknown) => v === undefined || amount(v);

function validReserve(r: ReserveRequest | undefined): boolean {
  return (
    typeof r === 'object' &&
    r !== null &&
    name(r.runId) &&
    name(r.pipeline) &&
    typeof r.estimate === 'object' &&
    r.estimate !== null &&
    amount(r.estimate.pricePerHour) &&
    amount(r.estimate.timeoutSeconds) &&
    amount(r.estimate.billingUnitSeconds) &&
    r.estimate.billingUnitSeconds > 0 &&
    optionalAmount(r.estimate.perRunUsd) &&
    typeof r.limits === 'object' &&
    r.limits !== null &&
    optionalAmount(r.limits.monthlyUsd) &&
    optionalAmount(r.limits.globalMonthlyUsd)
  );
}

function validRelease(r: ReleaseRequest | undefined): boolean {
  return (
    typeof r === 'object' && r !== null && Array.isArray(r.runIds) && r.runIds.length <= 1000 && r.runIds.every(name)
  );
}

function validSettle(r: SettleRequest | undefined): boolean {
  return (
    typeof r === 'object' &&
    r !== null &&
    name(r.runId) &&
    name(r.pipeline) &&
    name(r.backend) &&
    amount(r.usd) &&
    amount(r.seconds)
  );
}
