/**
 * SIGTERM while deliveries are in flight loses nothing: a real `hub-retrain server` process is stopped in the
 * middle of a stream of deliveries. Every 202 it gave was recorded in Temporal; a request whose body was
 * still arriving when the drain began is completed and recorded; while draining, /readyz and new deliveries
 * answer 503; once the listener is closed connections are refused; the process exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { pipelineWorkflowId } from '../../src/workflows/definitions';
import { mainPushDelivery } from '../helpers/deliveries';
import { fetchHistoryText } from '../helpers/history';
import { eventually, testAddress, testClient, unique } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');
const SECRET = 'shutdown-webhook-secret';
const DATASET = 'acme/product-images';

let client: Client;
let service: ChildProcess | undefined;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  if (service && service.exitCode === null) service.kill('SIGKILL');
  await client?.connection.close();
});

type Outcome = { sha: string; status?: number; error?: string };

/**
 * A delivery of main moving to `sha` on its own connection (no keep-alive, so a closed listener shows as a
 * refused connection). `headStart` characters of the body are sent now, the rest by `finish()`.
 */
function post(port: number, sha: string, headStart: number): { finish(): Promise<Outcome> } {
  const body = JSON.stringify(mainPushDelivery(DATASET, sha));
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/webhook',
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET, 'content-length': body.length },
  });
  const answered = new Promise<Outcome>((resolve) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve({ sha, status: res.statusCode }));
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ sha, error: err.code ?? err.message }));
  });
  req.flushHeaders();
  req.write(body.slice(0, headStart));
  return {
    finish: () => {
      req.end(body.slice(headStart));
      return answered;
    },
  };
}

const send = (port: number, sha: string): Promise<Outcome> => post(port, sha, 0).finish();
const startSlow = (port: number, sha: string) => post(port, sha, 40);

const newSha = () => randomBytes(20).toString('hex');

test('SIGTERM during a stream of deliveries: every 202 was recorded, later requests get 503 or are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-shutdown-'));
  const name = unique('drain');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      target_namespace: 'acme',
      input_dataset: DATASET,
      input_model: 'm',
      autotrain_project_prefix: name,
    }),
  );
  service = spawn(process.execPath, [join(ROOT, 'bin', 'hub-retrain.js'), 'server'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_TASK_QUEUE: unique('nobody'), // no worker needed: the signals are read from history
      WEBHOOK_SECRET: SECRET,
      RETRAIN_CONFIG: config,
      RETRAIN_STATE_DIR: join(dir, 'state'),
      PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: '3000',
      SHUTDOWN_GRACE_MS: '15000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  service.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  service.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => service!.once('exit', resolve));
  const port = Number(await eventually(() => /"port":(\d+).*receiver listening/.exec(out)?.[1], 60_000, out));

  // Deliveries from 8 concurrent senders, until the receiver starts refusing them (bounded: 400 at most).
  const outcomes: Outcome[] = [];
  let sent = 0;
  let draining = false;
  const sender = async () => {
    while (!draining && sent < 400) {
      sent += 1;
      const outcome = await send(port, newSha());
      outcomes.push(outcome);
      if (outcome.status !== 202) draining = true;
    }
  };
  const senders = Array.from({ length: 8 }, sender);

  await eventually(() => (outcomes.filter((o) => o.status === 202).length >= 20 ? true : undefined), 60_000);
  const slowSha = newSha();
  const slow = startSlow(port, slowSha);
  await new Promise((resolve) => setTimeout(resolve, 100)); // its headers have reached the receiver
  service.kill('SIGTERM');
  await eventually(() => (out.includes('receiver draining') ? true : undefined), 10_000, 'the drain to start');

  const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { connection: 'close' } });
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'draining' });

  await Promise.all(senders);
  const slowOutcome = await slow.finish();
  expect(await exited).toBe(0);
  const afterExit = await send(port, newSha());

  // Nothing but 202 (recorded) or 503 (draining) was answered; the rest could not connect.
  const statuses = new Set(outcomes.map((o) => o.status ?? o.error));
  for (const s of statuses) expect([202, 503, 'ECONNREFUSED']).toContain(s);
  expect(statuses).toContain(503);
  expect(slowOutcome.status).toBe(202);
  expect(afterExit.error).toBe('ECONNREFUSED');

  const accepted = [...outcomes.filter((o) => o.status === 202), slowOutcome];
  const history = await fetchHistoryText(client, pipelineWorkflowId(name));
  const lost = accepted.filter((o) => !history.includes(o.sha));
  expect(lost).toEqual([]);
  expect(accepted.length).toBeGreaterThanOrEqual(21);
});
