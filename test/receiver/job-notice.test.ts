/**
 * A Hugging Face job's own end notice at the receiver (POST /api/runs/:id/training-ended), over real HTTP into the
 * real Temporal dev server with no worker: only the run's own token (HMAC of its id, keyed with the webhook secret)
 * is taken, and only for a run that is running; whatever is refused leaves the run's history as it was.
 */
import { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { noticeToken } from '../../src/backends/hf-jobs/end-notice';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import { testClient, unique } from '../helpers/temporal';

const SECRET = 'a-webhook-secret-for-job-notices';
const REVISION = 'ab'.repeat(20);

let client: Client;
let app: Express;

beforeAll(async () => {
  client = await testClient();
  app = createApp({
    pipelines: [],
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(client, unique('no-worker'), 5000),
    client,
    logger: createLogger('silent'),
    temporalTimeoutMs: 3000,
  });
});

afterAll(async () => {
  await client?.connection.close();
});

/** A run that waits in Temporal (no worker picks it up). */
async function waitingRun(): Promise<string> {
  const [pipeline] = parseConfig({
    pipelines: [{ name: unique('jobs'), target_namespace: 'acme', input_dataset: 'acme/beans', input_model: 'm' }],
  });
  const workflowId = retrainWorkflowId(pipeline!.name, REVISION);
  await client.workflow.start(RETRAIN_WORKFLOW, {
    workflowId,
    taskQueue: unique('no-worker'),
    args: [{ pipeline, revision: REVISION, attempt: 1 }],
  });
  return workflowId;
}

const post = (workflowId: string, token?: string) => {
  const req = request(app).post(`/api/runs/${encodeURIComponent(workflowId)}/training-ended`);
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
};

async function signalsOf(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}

test("the run's own token is taken: 202 once the run holds a trainingEnded notice that carries nothing", async () => {
  const id = await waitingRun();
  const res = await post(id, noticeToken(SECRET, id));
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ processed: true, notice: 'training-ended', workflowIds: [id] });
  expect(await signalsOf(id)).toEqual(['trainingEnded']);
});

test("no token, a wrong one, another run's, or one from another secret is refused, and the run is not told", async () => {
  const id = await waitingRun();
  const other = await waitingRun();
  expect((await post(id)).status).toBe(401);
  expect((await post(id, 'not-the-token')).status).toBe(403);
  expect((await post(id, noticeToken(SECRET, other))).status).toBe(403);
  expect((await post(id, noticeToken('another-secret', id))).status).toBe(403);
  const wrong = await request(app)
    .post(`/api/runs/${encodeURIComponent(id)}/training-ended`)
    .set('Authorization', SECRET);
  expect(wrong.status).toBe(401);
  expect(await signalsOf(id)).toEqual([]);
});

test('a notice for a run that has ended is answered 409 and changes nothing; a malformed id 400', async () => {
  const id = await waitingRun();
  await client.workflow.getHandle(id).terminate('ended for the test');
  const res = await post(id, noticeToken(SECRET, id));
  expect(res.status).toBe(409);
  expect((res.body as { error: string }).error).toContain('is not running');
  expect(await signalsOf(id)).toEqual([]);
  const bad = 'pipeline:beans';
  expect((await post(bad, noticeToken(SECRET, bad))).status).toBe(400);
});
