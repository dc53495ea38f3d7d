/**
 * BudgetWorkflow on a real Temporal dev server, driven through its Updates as the activities drive it: it answers
 * reservations one at a time, refuses a malformed request without changing anything, and carries its whole state
 * through continue-as-new.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  BUDGET_WORKFLOW,
  budgetViewQuery,
  budgetWorkflowId,
  reserveUpdate,
  settleUpdate,
  type ReserveRequest,
} from '../../src/workflows/budget-definitions';
import type { BudgetWorkflow } from '../../src/workflows/budget';
import { scratchDirs, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

let client: Client;
let worker: RunningWorker;

beforeAll(async () => {
  client = await testClient();
  worker = await startWorker(unique('ledger'), {
    hubEndpoint: 'http://127.0.0.1:9',
    namespace: 'default',
    ...scratchDirs(),
  });
});

afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
});

const reserve = (runId: string, limit: number): ReserveRequest => ({
  runId,
  pipeline: 'beans',
  estimate: { pricePerHour: 1, billingUnitSeconds: 60, timeoutSeconds: 3600, basis: 'timeout' },
  limits: { monthlyUsd: limit },
});

test('runs reserving at once get what fits, no more; the state survives continue-as-new; a malformed request changes nothing', async () => {
  const handle = await client.workflow.start<typeof BudgetWorkflow>(BUDGET_WORKFLOW, {
    workflowId: budgetWorkflowId(worker.taskQueue),
    taskQueue: worker.taskQueue,
    args: [{ rollAfterEvents: 20 }],
  });
  const firstRun = handle.firstExecutionRunId;
  // Ten runs at once, room for three at $1 each.
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => handle.executeUpdate(reserveUpdate, { args: [reserve(`r${i}`, 3.5)] })),
  );
  expect(answers.filter((a) => a.granted)).toHaveLength(3);
  const granted = answers.flatMap((a, i) => (a.granted ? [`r${i}`] : []));
  for (const runId of granted) {
    await handle.executeUpdate(settleUpdate, {
      args: [{ runId, pipeline: 'beans', backend: 'hf-jobs', usd: 0.5, seconds: 1800 }],
    });
  }
  await expect(
    handle.executeUpdate(settleUpdate, { args: [{ runId: '', pipeline: 'beans' } as never] }),
  ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  // Enough history to continue as new: the latest run holds the same state.
  const latest = client.workflow.getHandle(budgetWorkflowId(worker.taskQueue));
  const view = await latest.query(budgetViewQuery);
  expect((await latest.describe()).runId).not.toBe(firstRun);
  expect(view.months).toEqual([expect.objectContaining({ pipeline: 'beans', spentUsd: 1.5, reservedUsd: 0, runs: 3 })]);
  expect(view.totals).toEqual([{ pipeline: 'beans', backend: 'hf-jobs', usd: 1.5 }]);
  // A settled run's retried settlement counts nothing, after continue-as-new too.
  const again = await latest.executeUpdate(settleUpdate, {
    args: [{ runId: granted[0]!, pipeline: 'beans', backend: 'hf-jobs', usd: 0.5, seconds: 1800 }],
  });
  expect(again.counted).toBe(false);
});
