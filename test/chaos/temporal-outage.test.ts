/**
 * Temporal itself goes away: unreachable when a webhook arrives (the receiver must answer 503 with
 * Retry-After and acknowledge nothing it did not record; the same delivery after recovery trains once), and
 * the dev server killed -9 and started again on its SQLite file while a run trains (the worker and receiver
 * processes carry on without a restart of their own).
 */
import { retrainWorkflowId } from '../../src/workflows/definitions';
import type { DeliveryRecord } from './harness/deliveries';
import { pipelineState } from './harness/invariants';
import { check, finishScenario } from './harness/scenario';
import { ChaosEnv } from './harness/stack';
import { eventually, trainingChecks } from '../helpers/temporal';

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('temporal');
});

afterAll(async () => {
  await env?.stop();
});

test('Temporal unreachable when a webhook arrives: 503 with Retry-After, then the same delivery trains once', async () => {
  const startedAt = Date.now();
  const pipeline = await env.pipeline('outage');
  const deployment = await env.deployment([pipeline], 'outage');
  await deployment.startReceiver();
  const worker = await deployment.startWorker();
  const revision = env.hub.pushCommit(pipeline.dataset);

  await env.temporal.kill9();
  // An outage of some seconds: three deliveries (each waits up to SIGNAL_TIMEOUT_MS for Temporal), with the
  // receiver process restarted in the middle of it (it must start, and answer, without Temporal).
  const refused: DeliveryRecord[] = [await deployment.deliver(pipeline, revision)];
  await deployment.receiver.kill9();
  await deployment.startReceiver();
  for (let i = 0; i < 2; i++) refused.push(await deployment.deliver(pipeline, revision));
  await env.temporal.start();
  // The Hub retries a delivery that was not answered 2xx; so does this test, until it is accepted.
  const accepted = await deployment.deliverUntilAccepted(pipeline, revision);

  const failed = await finishScenario(
    env,
    {
      order: 20,
      fault: 'Temporal unreachable when a webhook arrives',
      how: 'dev server killed -9; three deliveries, with the receiver killed -9 and started again between the first two; dev server started again on its file; the same delivery re-sent until accepted, as the Hub retries',
    },
    [pipeline],
    deployment.ledger.records,
    startedAt,
    async () => {
      const state = await pipelineState(env.client, pipeline.name);
      return [
        check(
          'answered 503 with Retry-After while Temporal was down',
          refused.every((r) => r.status === 503 && Boolean(r.retryAfter)),
          refused.map((r) => `${r.status ?? r.error} (Retry-After: ${r.retryAfter ?? 'none'})`).join(', '),
        ),
        check(
          'the same delivery accepted after recovery, and trained once',
          accepted.status === 202 && state.counters.runsStarted === 1,
          `${deployment.ledger.records.length} deliveries, ${state.counters.runsStarted} run(s) started`,
        ),
        check('the worker process lived through the outage', worker.running, worker.running ? 'running' : 'exited'),
      ];
    },
  );
  await deployment.stop();
  expect(failed).toEqual([]);
}, 300_000);

test('the Temporal dev server killed -9 and restarted mid-run: the run completes, new deliveries train', async () => {
  const startedAt = Date.now();
  const pipeline = await env.pipeline('restart', {
    script: { outcome: 'success', buildMs: 200, runMs: 8000 },
    config: { poll_interval_seconds: 10 },
  });
  const deployment = await env.deployment([pipeline], 'restart');
  await deployment.startReceiver();
  const worker = await deployment.startWorker();
  const first = env.hub.pushCommit(pipeline.dataset);
  expect((await deployment.deliver(pipeline, first)).status).toBe(202);

  // Training is in flight: the Space was created, and the run has polled it and sleeps until the next check
  // (an activity in flight at the kill may lose its completion: then it is retried after its timeout, a
  // minute or two, which is correct but slow for a suite).
  const space = await eventually(
    () => pipeline.autotrain!.projects.values().next().value?.jobId,
    120_000,
    'the training Space',
  );
  const run = env.client.workflow.getHandle(retrainWorkflowId(pipeline.name, first));
  await eventually(
    async () => {
      const waiting = await trainingChecks(env.client, run.workflowId);
      return waiting && waiting.checks >= 1 && waiting.betweenChecks ? true : undefined;
    },
    60_000,
    'the run to sleep between status checks',
    100,
  );
  await env.temporal.kill9();
  // Down until the training has finished at the backend (it goes on by itself), with deliveries of a new
  // revision refused meanwhile; then up again, and that revision is re-sent until accepted.
  const second = env.hub.pushCommit(pipeline.dataset);
  const refused: DeliveryRecord[] = [];
  do refused.push(await deployment.deliver(pipeline, second));
  while (refused.length < 2 || env.hub.spaceStage(space) !== 'PAUSED');
  await env.temporal.start();
  await deployment.deliverUntilAccepted(pipeline, second);

  const failed = await finishScenario(
    env,
    {
      order: 21,
      fault: 'Temporal dev server restarted mid-run',
      how: 'dev server (SQLite file) killed -9 while the run trains (between two status checks) and kept down until the training ended at the backend (deliveries meanwhile answered 503), started again on the same file and port; the new revision re-sent until accepted',
    },
    [pipeline],
    deployment.ledger.records,
    startedAt,
    async () => {
      const state = await pipelineState(env.client, pipeline.name);
      const outcomes = state.recent.map((r) => `${r.revision.slice(0, 7)} ${r.outcome}`);
      return [
        check(
          'nothing acknowledged while Temporal was down',
          refused.every((r) => r.status === 503),
          `${refused.length} deliveries answered ${[...new Set(refused.map((r) => r.status ?? r.error))].join(', ')}`,
        ),
        check(
          'both revisions trained',
          state.trained.includes(first) && state.trained.includes(second),
          outcomes.join(', ') || 'no runs',
        ),
        check('the worker process lived through the restart', worker.running, worker.running ? 'running' : 'exited'),
      ];
    },
  );
  await deployment.stop();
  expect(failed).toEqual([]);
}, 300_000);
