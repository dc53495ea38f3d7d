/** What every scenario does once its fault is injected: settle, check, record its row. */
import type { Client } from '@temporalio/client';
import { retrainWorkflowId } from '../../../src/workflows/definitions';
import type { DeliveryRecord } from './deliveries';
import { checkInvariants, settle, type InvariantResult } from './invariants';
import type { ChaosEnv, PipelineUnderTest } from './stack';
import { recordRow, type ScenarioRow } from './table';
import { eventually } from '../../helpers/temporal';

export interface RowSpec {
  order: number;
  fault: string;
  how: string;
}

/**
 * Waits for the pipelines to settle, checks the invariants (plus the scenario's own checks), records the
 * row and returns the invariants that did not hold.
 */
export async function finishScenario(
  env: ChaosEnv,
  spec: RowSpec,
  pipelines: PipelineUnderTest[],
  deliveries: DeliveryRecord[],
  startedAt: number,
  extra: () => Promise<InvariantResult[]> | InvariantResult[] = () => [],
  settleTimeoutMs?: number,
): Promise<InvariantResult[]> {
  const settled = await settle(env, pipelines, deliveries, settleTimeoutMs);
  const { runs, results } = await checkInvariants(env, pipelines, deliveries, settled);
  const all = [...results, ...(await extra())];
  const row: ScenarioRow = {
    ...spec,
    backend: [...new Set(pipelines.map((p) => p.backend))].join(', '),
    runs,
    invariants: all,
    seconds: (Date.now() - startedAt) / 1000,
  };
  recordRow(row);
  return all.filter((r) => !r.held);
}

/** A scenario's own check, as a row entry. */
export function check(name: string, held: boolean, detail: string): InvariantResult {
  return { name, held, detail };
}

/**
 * The activity a killed worker was running is lost; Temporal retries it only when its startToCloseTimeout
 * expires (2 minutes for the steps). Fail that attempt now through Temporal, as the timeout would, so the
 * retry comes in seconds: what is under test is what the retry finds.
 */
export async function failLostAttempt(
  client: Client,
  pipeline: PipelineUnderTest,
  revision: string,
  activityType: string,
): Promise<void> {
  const workflowId = retrainWorkflowId(pipeline.name, revision);
  const activityId = await eventually(
    async () => {
      const d = await client.workflow.getHandle(workflowId).describe();
      const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === activityType);
      return pending?.activityId ?? undefined;
    },
    30_000,
    `the pending ${activityType} of ${workflowId}`,
  );
  await client.activity.fail(
    { workflowId, activityId },
    new Error('the worker running this attempt was killed (chaos suite, standing in for the startToClose timeout)'),
  );
}
