/**
 * A storm of maximum-size deliveries to one pipeline (issue 15, defect 1): before, each 1 MiB `webhook.id`
 * went whole into the pipeline's signal, and some fifty of them made Temporal terminate `pipeline:<name>`
 * ("Workflow history size exceeds limit") with the revisions it had acknowledged. Real receiver over HTTP,
 * real worker, the jest dev server with its default limits (50 MiB of history per run).
 */
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { MAX_DELIVERY_ID_LENGTH } from '../../src/workflows/delivery';
import {
  pipelineStateQuery,
  pipelineWorkflowId,
  type DatasetUpdate,
  type PipelineState,
} from '../../src/workflows/definitions';

import { mainPushDelivery } from '../helpers/deliveries';
import { pipelineSpec, startFakes, type FakeStack } from '../helpers/stack';
import { eventually, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const SECRET = 'storm-webhook-secret-0123';
const BODY_LIMIT = 1024 * 1024; // the receiver's default, 1 MiB
const DELIVERIES = 100;

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let receiver: Receiver;
let dataset: string;
let name: string;

beforeAll(async () => {
  fakes = await startFakes();
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 200 };
  client = await testClient();
  worker = await startWorker(unique('storm'), fakes.activityDeps);
  dataset = `acme/${unique('storm')}`;
  fakes.hub.addDataset(dataset);
  const spec = pipelineSpec(fakes, { input_dataset: dataset });
  name = spec.name;
  receiver = await startReceiver({
    client,
    taskQueue: worker.taskQueue,
    pipelines: parseConfig({ pipelines: [{ ...specConfig(spec) }] }),
    webhookSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  await receiver?.close();
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

/** The config.json entry of a parsed spec (the receiver parses it again, as it would read it). */
function specConfig(spec: ReturnType<typeof pipelineSpec>): Record<string, unknown> {
  return {
    name: spec.name,
    target_namespace: spec.target_namespace,
    input_dataset: spec.input_dataset,
    input_model: spec.input_model,
    autotrain_project_prefix: spec.autotrain_project_prefix,
    poll_interval_seconds: 1,
  };
}

/** A main push of `sha` whose `webhook.id` fills the body to exactly the limit. */
function maximumDelivery(sha: string): string {
  const payload = { ...mainPushDelivery(dataset, sha), webhook: { id: '', version: 3 } };
  const room = BODY_LIMIT - Buffer.byteLength(JSON.stringify(payload));
  payload.webhook.id = `${sha}:`.padEnd(room, 'x');
  const body = JSON.stringify(payload);
  expect(Buffer.byteLength(body)).toBe(BODY_LIMIT);
  return body;
}

const state = (): Promise<PipelineState> =>
  client.workflow.getHandle(pipelineWorkflowId(name)).query(pipelineStateQuery);

test('a hundred maximum-size deliveries to one pipeline leave it running with every acknowledged revision in its state', async () => {
  // The revisions exist on the Hub; the deliveries arrive in order, four at a time.
  const revisions = Array.from({ length: DELIVERIES }, () => fakes.hub.pushCommit(dataset));
  const acknowledged: string[] = [];
  const refused: string[] = [];
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < revisions.length; i = next++) {
      const res = await fetch(`http://127.0.0.1:${receiver.port}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        body: maximumDelivery(revisions[i]!),
      });
      const answer = await res.text();
      if (res.status === 202) acknowledged.push(revisions[i]!);
      else refused.push(`${res.status} ${answer}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, sender));

  // Every acknowledged revision is in the pipeline's state: trained (the head), or superseded by it.
  const final = await eventually(
    async () => {
      const s = await state();
      if (s.counters.updates >= acknowledged.length && !s.waiting && !s.active && s.trained.length > 0) return s;
      throw new Error(`${s.counters.updates}/${acknowledged.length} updates, trained ${s.trained.length}`);
    },
    90_000,
    'the pipeline to take in every delivery and train the head',
  );
  const known = new Set([...final.trained, ...final.superseded.map((s) => s.revision)]);
  expect(acknowledged.filter((r) => !known.has(r))).toEqual([]);
  expect(final.trained).toEqual([revisions[revisions.length - 1]]);
  // A maximum-size delivery is a valid one: all were accepted.
  expect(refused).toEqual([]);

  // No run of the pipeline was terminated; the current one runs.
  const runs: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${pipelineWorkflowId(name)}'` }))
    runs.push(wf.status.name);
  expect(runs).not.toContain('TERMINATED');
  expect((await client.workflow.getHandle(pipelineWorkflowId(name)).describe()).status.name).toBe('RUNNING');

  // What reached the history is bounded: each signal is small, the delivery id cut to its documented length.
  const history = await client.workflow.getHandle(pipelineWorkflowId(name)).fetchHistory();
  const signals = (history.events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'datasetUpdated',
  );
  expect(signals.length).toBeGreaterThan(0);
  for (const e of signals) {
    const [payload] = e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [];
    expect(payload?.data?.length).toBeLessThan(8 * 1024);
    const update = JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as DatasetUpdate;
    expect(update.delivery.webhookId?.length).toBeLessThanOrEqual(MAX_DELIVERY_ID_LENGTH);
  }
}, 180_000);

test('event fields past their bound are refused with 400 naming the path; a long delivery id is accepted and cut', async () => {
  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${receiver.port}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
      body: JSON.stringify(body),
    });
  const sha = fakes.hub.pushCommit(dataset);
  const delivery = mainPushDelivery(dataset, sha) as unknown as Record<string, Record<string, unknown>>;
  for (const path of ['event.scope', 'event.action', 'repo.type'] as const) {
    const [outer, inner] = path.split('.') as [string, string];
    const res = await post({ ...delivery, [outer]: { ...delivery[outer], [inner]: `repo.content${'x'.repeat(200)}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ issues: [expect.objectContaining({ path }) as unknown] });
  }

  const id = `${'\u{1F600}'.repeat(40)}tail`; // surrogate pairs across the cut
  const res = await post({ ...delivery, webhook: { id, version: 3 } });
  expect(res.status).toBe(202);
  const s = await eventually(async () => {
    const current = await state();
    return current.waiting?.revision === sha || current.active?.revision === sha || current.trained.includes(sha)
      ? current
      : undefined;
  });
  const kept = s.waiting?.delivery.webhookId ?? (await lastSignalledId());
  expect(kept.length).toBe(MAX_DELIVERY_ID_LENGTH - 1);
  expect(kept).toBe(`${'\u{1F600}'.repeat(31)}…`);
});

/** The delivery id of the newest datasetUpdated signal in the pipeline's current run. */
async function lastSignalledId(): Promise<string> {
  const history = await client.workflow.getHandle(pipelineWorkflowId(name)).fetchHistory();
  const signals = (history.events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'datasetUpdated',
  );
  const [payload] = signals.at(-1)?.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [];
  return (JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as DatasetUpdate).delivery.webhookId ?? '';
}
