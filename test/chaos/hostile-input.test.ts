/**
 * Hostile input against the real receiver, worker and CLI processes (issue 15): a storm of maximum-size
 * deliveries to one pipeline, each with a 1 MiB `webhook.id` that starts with terminal control sequences.
 * Before, each id went whole into the pipeline's history and Temporal terminated `pipeline:<name>` with the
 * revisions it had acknowledged. Then the other probes of that review, against the same receiver: the write
 * API under a case-changed path, a malformed percent-encoding, and the control characters through `show`.
 *
 * This scenario's dev server has lower history limits than the defaults (50 MiB error, 4 MiB suggestion to
 * continue as new) so that both conditions are reached cheaply: the error at 4 MiB (four of the old
 * signals), the suggestion at 64 KiB (a few dozen bounded ones, so the pipeline continues as new on size
 * during the storm).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pipelineWorkflowId, retrainWorkflowId } from '../../src/workflows/definitions';
import type { DeliveryRecord } from './harness/deliveries';
import { pipelineState } from './harness/invariants';
import { check, finishScenario } from './harness/scenario';
import { ChaosEnv } from './harness/stack';

const HISTORY_LIMITS = {
  'limit.historySize.error': 4 * 1024 * 1024,
  'limit.historySize.warn': 1024 * 1024,
  'limit.historySize.suggestContinueAsNew': 64 * 1024,
};
const BODY_LIMIT = 1024 * 1024;
const DELIVERIES = 100;
/** Clears the screen, sets the terminal's title, returns to the start of the line. */
const HOSTILE_PREFIX = '\x1b[2J\x1b]0;all good\x07\r';
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('hostile', HISTORY_LIMITS);
});

afterAll(async () => {
  await env?.stop();
});

/** A delivery id that fills the body to the receiver's limit (the rest of the payload is about 700 bytes). */
const oversizedId = (revision: string): string => `${HOSTILE_PREFIX}${revision}:`.padEnd(BODY_LIMIT - 1024, 'x');

/** `hub-retrain <args>` in its own process, as an operator runs it. */
function cli(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'hub-retrain.js'), ...args, '--url', url], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('a storm of maximum-size deliveries to one pipeline: none terminated, every acknowledged revision recorded', async () => {
  const startedAt = Date.now();
  const pipeline = await env.pipeline('storm');
  const deployment = await env.deployment([pipeline], 'storm');
  await deployment.startReceiver();
  await deployment.startWorker();

  // A hundred pushes, delivered in order by four senders at once, each delivery as large as the receiver takes.
  const revisions = Array.from({ length: DELIVERIES }, () => env.hub.pushCommit(pipeline.dataset));
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < revisions.length; i = next++) {
      await deployment.deliver(pipeline, revisions[i]!, oversizedId(revisions[i]!));
    }
  };
  await Promise.all(Array.from({ length: 4 }, sender));
  const storm: DeliveryRecord[] = [...deployment.ledger.records];

  // The other probes, against the same receiver process.
  const writes: number[] = [];
  for (let i = 0; i < 32; i++) {
    const path = i % 2 === 0 ? '/API/pipelines/x/trigger' : '/api/PIPELINES/x/TRIGGER/';
    const res = await fetch(`${deployment.receiverUrl}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    });
    await res.arrayBuffer();
    writes.push(res.status);
  }
  const malformed = await fetch(`${deployment.receiverUrl}/api/runs/%ff%fe`);
  const malformedBody = (await malformed.json()) as { error?: string };

  const failed = await finishScenario(
    env,
    {
      order: 60,
      fault: 'a storm of maximum-size deliveries',
      how: `${DELIVERIES} deliveries of 1 MiB (a \`webhook.id\` of about 1 MiB starting with ESC[2J, an OSC title and \\r) to one pipeline from 4 concurrent senders, on a dev server with history limits lowered to 4 MiB (error) and 64 KiB (suggest continue-as-new); then 32 write requests to case-changed paths, \`GET /api/runs/%ff%fe\`, and \`hub-retrain show\` of the run`,
    },
    [pipeline],
    storm,
    startedAt,
    async () => {
      // A terminated pipeline answers no query: its state is then what was lost.
      const state = await pipelineState(env.client, pipeline.name).catch(() => undefined);
      const acknowledged = storm.filter((r) => r.status === 202).map((r) => r.revision);
      const known = new Set([
        ...(state?.trained ?? []),
        ...(state?.superseded.map((s) => s.revision) ?? []),
        ...(state?.active ? [state.active.revision] : []),
      ]);
      const missing = acknowledged.filter((r) => !known.has(r));
      const runs: string[] = [];
      for await (const wf of env.client.workflow.list({
        query: `WorkflowId = '${pipelineWorkflowId(pipeline.name)}'`,
      }))
        runs.push(wf.status.name);
      const terminated = runs.filter((s) => s === 'TERMINATED').length;
      const rolled = runs.filter((s) => s === 'CONTINUED_AS_NEW').length;

      const head = revisions[revisions.length - 1]!;
      const shown = await cli(['show', retrainWorkflowId(pipeline.name, head)], deployment.receiverUrl);
      return [
        check(
          'every maximum-size delivery answered 202',
          acknowledged.length === DELIVERIES,
          `${acknowledged.length}/${DELIVERIES} (${[...new Set(storm.map((r) => r.status ?? r.error))].join(', ')})`,
        ),
        check(
          'no pipeline terminated',
          terminated === 0,
          `${runs.length} run(s) of the pipeline, ${terminated} terminated`,
        ),
        check(
          'every acknowledged revision recorded in the state',
          state !== undefined && missing.length === 0 && state.counters.updates >= acknowledged.length,
          state === undefined
            ? 'the pipeline answers no state query'
            : missing.length === 0
              ? `${acknowledged.length} revisions: ${state.trained.length} trained, ${state.superseded.length} superseded (${state.supersededTotal ?? '?'} in all), ${state.counters.updates} updates counted`
              : `${missing.length} missing: ${missing
                  .slice(0, 5)
                  .map((r) => r.slice(0, 7))
                  .join(', ')}…`,
        ),
        check('the pipeline continued as new on history size', rolled > 0, `${rolled} continue-as-new(s)`),
        check(
          'the write limit holds on case-changed paths',
          writes.slice(30).every((s) => s === 429),
          `statuses: ${[...new Set(writes)].join(', ')}; the last two ${writes.slice(30).join(', ')}`,
        ),
        check(
          'a malformed percent-encoding is a 400 with a JSON error',
          malformed.status === 400 && typeof malformedBody.error === 'string',
          `${malformed.status} ${JSON.stringify(malformedBody)}`,
        ),
        check(
          '`show` prints the delivery id escaped',
          shown.code === 0 && !RAW_CONTROL.test(shown.stdout) && shown.stdout.includes('\\x1b[2J\\x1b]0;all good'),
          shown.code === 0 ? 'no raw control character' : `exit ${shown.code}: ${shown.stderr.slice(0, 200)}`,
        ),
      ];
    },
  );
  await deployment.stop();
  expect(failed).toEqual([]);
}, 300_000);
