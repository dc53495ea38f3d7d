/**
 * RETRAIN_PAYLOAD_KEY: workflow payloads are encrypted (AES-GCM) by the client and the worker, so the
 * Temporal server stores no plaintext; the replayer decodes them with the key; rotated keys still
 * decrypt old payloads; the codec server decodes for the Web UI.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON, payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { codecApp } from '../../src/temporal/codec-server';
import { AesGcmPayloadCodec, payloadCodecs } from '../../src/temporal/payload-codec';
import { parsePayloadKeys } from '../../src/config/payload-keys';
import { RETRAIN_WORKFLOW, retrainWorkflowId, type RetrainInput } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { pipelineSpec, startFakes } from '../helpers/stack';
import {
  eventually,
  runView,
  startWorker,
  testBundlePath,
  testClient,
  trainingChecks,
  unique,
} from '../helpers/temporal';

const key = () => randomBytes(32).toString('base64');

test('payloads round-trip, are unreadable without the key, and a rotated key still decrypts old ones', async () => {
  const oldKey = `k1:${key()}`;
  const codecOld = new AesGcmPayloadCodec(parsePayloadKeys(oldKey));
  const payload = defaultPayloadConverter.toPayload({ pipeline: 'secret-project-name', revision: 'abc' });
  const [sealed] = await codecOld.encode([payload]);
  expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('secret-project-name');
  expect(new TextDecoder().decode(sealed!.metadata!['encryption-key-id'])).toBe('k1');

  const rotated = new AesGcmPayloadCodec(parsePayloadKeys(`k2:${key()},${oldKey}`));
  const [opened] = await rotated.decode([sealed!]);
  expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ pipeline: 'secret-project-name', revision: 'abc' });
  const [resealed] = await rotated.encode([payload]);
  expect(new TextDecoder().decode(resealed!.metadata!['encryption-key-id'])).toBe('k2');

  const stranger = new AesGcmPayloadCodec(parsePayloadKeys(key()));
  await expect(stranger.decode([sealed!])).rejects.toThrow(/no key with id k1/);
  // Flip every bit of one byte (writing a fixed value left the data unchanged when the byte already held it).
  const data = Buffer.from(sealed!.data!);
  data[20] = data[20]! ^ 0xff;
  const tampered = { ...sealed!, data };
  await expect(codecOld.decode([tampered])).rejects.toThrow();
});

test('a bad key setting is refused clearly', () => {
  expect(() => parsePayloadKeys('too-short')).toThrow(/32 bytes/);
  expect(payloadCodecs(undefined)).toEqual([]);
});

test('with a key, a whole run stores only ciphertext in Temporal and replays with the key', async () => {
  const fakes = await startFakes();
  const codecs = payloadCodecs(`run:${key()}`);
  const base = await testClient();
  const client = new Client({ connection: base.connection, dataConverter: { payloadCodecs: codecs } });
  const worker = await startWorker(unique('codec'), fakes.activityDeps, undefined, codecs);
  try {
    const pipeline = pipelineSpec(fakes, { name: unique('encrypted') });
    fakes.autotrain.scripts.set(pipeline.name, { outcome: 'success', buildMs: 50, runMs: 4000 });
    const revision = fakes.hub.head(fakes.dataset);
    const input: RetrainInput = { pipeline, revision, attempt: 1 };
    const handle = await client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
      workflowId: retrainWorkflowId(pipeline.name, revision),
      taskQueue: worker.taskQueue,
      args: [input],
    });
    // The status a check saw travels encrypted in the pending activity; the status API decodes it with the key.
    // The first check comes right after the job starts and may still see it building (buildMs); the second is
    // a second later (poll_interval_seconds: 1), with the job running.
    await eventually(async () => ((await trainingChecks(client, handle.workflowId))?.checks ?? 0) >= 2 || undefined);
    const raw = await base.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: handle.workflowId },
    });
    const pending = raw.pendingActivities ?? [];
    const details = pending[0]?.lastFailure?.applicationFailureInfo?.details?.payloads ?? [];
    expect(details.map((p) => Buffer.from(p.metadata?.encoding ?? []).toString())).toEqual(['binary/encrypted']);
    expect(await runView(client, handle.workflowId)).toMatchObject({ stage: 'training', backendStatus: 'RUNNING' });
    expect((await handle.result()).outcome).toBe('succeeded');
    const history = await handle.fetchHistory();
    const text = historyToJSON(history);
    expect(text).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(text).not.toContain(Buffer.from(`"${pipeline.input_dataset}"`).toString('base64').slice(0, 20));
    expect(text).not.toContain(pipeline.input_dataset);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: testBundlePath() }, dataConverter: { payloadCodecs: codecs } },
      history,
      handle.workflowId,
    );
  } finally {
    await worker.stop();
    await base.connection.close();
    await fakes.stop();
  }
});

test('the codec server decodes for the Web UI origin it allows', async () => {
  const codecs = payloadCodecs(`ui:${key()}`);
  const server = codecApp(codecs[0]!, ['http://localhost:8233']).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const [sealed] = await codecs[0]!.encode([defaultPayloadConverter.toPayload('hello')]);
    const res = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:8233', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [payloadToJSON(sealed!)] }),
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const body = (await res.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toBe('"hello"');
    const other = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    server.close();
  }
});
