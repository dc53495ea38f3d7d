/**
 * The invariant checks can fail: a run left hanging, then terminated without compensation, is reported as
 * stuck, unfinished, uncompensated, unannounced and still training. (The duplicates the other checks catch were
 * found for real: see backend-faults.test.ts.) No row in the table: this checks the checker.
 */
import { checkInvariants, INVARIANTS, settle } from './harness/invariants';
import { ChaosEnv } from './harness/stack';
import { eventually } from '../helpers/temporal';

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('self-check');
});

afterAll(async () => {
  await env?.stop();
});

const failing = (results: Array<{ name: string; held: boolean }>) => results.filter((r) => !r.held).map((r) => r.name);

test('a hanging run, then one terminated without compensation, breaks the invariants it should', async () => {
  const pipeline = await env.pipeline('self-check', { script: { outcome: 'hang', buildMs: 100 } });
  const deployment = await env.deployment([pipeline], 'self-check');
  await deployment.startReceiver();
  await deployment.startWorker();
  const revision = env.hub.pushCommit(pipeline.dataset);
  expect((await deployment.deliver(pipeline, revision)).status).toBe(202);
  const space = await eventually(() => pipeline.autotrain!.projects.values().next().value?.jobId, 60_000, 'the Space');
  await eventually(() => (env.hub.spaceStage(space) === 'RUNNING' ? true : undefined), 60_000, 'the Space to run');

  const hanging = await settle(env, [pipeline], deployment.ledger.records, 3_000);
  expect(hanging.settled).toBe(false);
  const whileHanging = await checkInvariants(env, [pipeline], deployment.ledger.records, hanging);
  expect(failing(whileHanging.results)).toEqual([INVARIANTS.terminal, INVARIANTS.notStuck, INVARIANTS.nothingRunning]);

  await env.client.workflow.getHandle(`retrain:${pipeline.name}:${revision}`).terminate('self-check');
  const terminated = await settle(env, [pipeline], deployment.ledger.records, 60_000);
  expect(terminated.settled).toBe(true);
  const afterwards = await checkInvariants(env, [pipeline], deployment.ledger.records, terminated);
  expect(failing(afterwards.results)).toEqual([
    INVARIANTS.oneNotice,
    INVARIANTS.compensated,
    INVARIANTS.nothingRunning,
  ]);
}, 300_000);
