/**
 * Many deliveries at once: the receiver killed -9 under load and started again (deliveries in flight are
 * cut off or refused, and re-sent as the Hub would), and two worker processes on one task queue sharing
 * the runs of several pipelines.
 */
import { historyIdentities } from './harness/history';
import { check, finishScenario } from './harness/scenario';
import { ChaosEnv, type PipelineUnderTest } from './harness/stack';
import { eventually } from '../helpers/temporal';
import type { DeliveryRecord } from './harness/deliveries';

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('load');
});

afterAll(async () => {
  await env?.stop();
});

test('the receiver killed -9 under load and restarted: every delivery is accepted once re-sent, each revision trains once', async () => {
  const startedAt = Date.now();
  const pipelines: PipelineUnderTest[] = [];
  for (let i = 0; i < 4; i++) pipelines.push(await env.pipeline(`load${i}`));
  const deployment = await env.deployment(pipelines, 'receiver-load');
  await deployment.startReceiver();
  await deployment.startWorker();

  // Per pipeline three pushes, each made when its first delivery is sent (so later ones arrive while earlier
  // ones train); every push delivered three times (the Hub's retries and Replay button), six senders at once.
  const revisions = new Map<string, string>();
  const revisionOf = (p: PipelineUnderTest, round: number): string => {
    const key = `${p.name}#${round}`;
    if (!revisions.has(key)) revisions.set(key, env.hub.pushCommit(p.dataset));
    return revisions.get(key)!;
  };
  const deliveries: Array<{ pipeline: PipelineUnderTest; round: number }> = [];
  for (let round = 0; round < 3; round++) {
    for (let copy = 0; copy < 3; copy++) for (const p of pipelines) deliveries.push({ pipeline: p, round });
  }
  let sent = 0;
  const failedFirst: DeliveryRecord[] = [];
  const sender = async () => {
    for (;;) {
      const next = deliveries[sent++];
      if (!next) return;
      const revision = revisionOf(next.pipeline, next.round);
      const first = await deployment.deliver(next.pipeline, revision);
      if (first.status !== 202) {
        failedFirst.push(first);
        await deployment.deliverUntilAccepted(next.pipeline, revision);
      }
    }
  };
  const senders = Array.from({ length: 6 }, () => sender());
  // Kill the receiver a third of the way through, with requests in flight; start it again once some
  // deliveries have failed.
  await eventually(() => (sent >= deliveries.length / 3 ? true : undefined), 60_000, 'a third of the deliveries sent');
  await deployment.receiver.kill9();
  await eventually(() => (failedFirst.length >= 3 ? true : undefined), 60_000, 'deliveries to fail while it is down');
  await deployment.startReceiver();
  await Promise.all(senders);

  const failed = await finishScenario(
    env,
    {
      order: 40,
      fault: 'receiver killed -9 under load, restarted',
      how: '36 deliveries (4 pipelines × 3 pushes × 3 copies) from 6 concurrent senders; receiver killed -9 a third of the way through and started again once 3 deliveries failed; a failed delivery is re-sent until accepted, as the Hub retries',
    },
    pipelines,
    deployment.ledger.records,
    startedAt,
    () => {
      const accepted = new Set(deployment.ledger.acknowledged().map((r) => `${r.pipeline}@${r.revision}`));
      const all = new Set(deliveries.map((d) => `${d.pipeline.name}@${revisionOf(d.pipeline, d.round)}`));
      return [
        check(
          'deliveries were cut off or refused while the receiver was down',
          failedFirst.length >= 3,
          `${failedFirst.length} failed: ${[...new Set(failedFirst.map((r) => r.status ?? r.error))].join(', ')}`,
        ),
        check(
          'every delivery accepted once re-sent',
          [...all].every((k) => accepted.has(k)),
          `${accepted.size}/${all.size} revisions accepted, ${deployment.ledger.acknowledged().length} acknowledgements`,
        ),
      ];
    },
  );
  await deployment.stop();
  expect(failed).toEqual([]);
}, 300_000);

test('two worker processes on one task queue: every run exactly once', async () => {
  const startedAt = Date.now();
  const pipelines = [
    await env.pipeline('pair-a'),
    await env.pipeline('pair-b'),
    await env.pipeline('pair-c', { backend: 'hf-jobs' }),
    await env.pipeline('pair-d', { backend: 'hf-jobs' }),
  ];
  const deployment = await env.deployment(pipelines, 'two-workers');
  await deployment.startReceiver();
  await Promise.all([deployment.startWorker(), deployment.startWorker()]);

  for (const p of pipelines) {
    const revision = env.hub.pushCommit(p.dataset);
    await Promise.all([deployment.deliver(p, revision), deployment.deliver(p, revision)]);
  }
  // A second revision for each while the first trains: queued, then trained.
  await eventually(
    () => (pipelines.every((p) => p.backend !== 'autotrain' || p.autotrain!.projects.size > 0) ? true : undefined),
    60_000,
    'the first trainings',
  );
  for (const p of pipelines) await deployment.deliver(p, env.hub.pushCommit(p.dataset));

  const failed = await finishScenario(
    env,
    {
      order: 50,
      fault: 'two workers at once on the same task queue',
      how: 'two `hub-retrain worker` processes on one task queue; 4 pipelines (AutoTrain and Jobs), each with a revision delivered twice and a second revision queued during the first run',
    },
    pipelines,
    deployment.ledger.records,
    startedAt,
    async () => {
      const identities = await historyIdentities(env.client, pipelines);
      return [
        check(
          'both workers ran activities',
          identities.size === 2,
          `${identities.size} worker identit${identities.size === 1 ? 'y' : 'ies'} in the histories`,
        ),
      ];
    },
  );
  await deployment.stop();
  expect(failed).toEqual([]);
}, 300_000);
