/**
 * The CLI as a user runs it: each command is the real `hub-retrain` in its own process, against a real
 * receiver + worker (`hub-retrain start` on the jest dev server) and the fake Hub and AutoTrain.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineView, RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';
import { retrainWorkflowId } from '../../src/workflows/definitions';
import type { WebhookView } from '../../src/cli/hub-webhook-commands';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { CLI, freePort, killServices, startService, type ServiceProcess } from '../helpers/service-process';
import { mainPushDelivery } from '../helpers/deliveries';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, testAddress, testBundlePath, unique } from '../helpers/temporal';

const ADMIN = 'cli-admin-token-0123456789abcdef';
const SECRET = 'cli-webhook-secret-123';

let hub: FakeHub;
let autotrain: FakeAutotrain;
let service: ServiceProcess;
let env: Record<string, string>;
const approveP = unique('cli-approve');
const cancelP = unique('cli-cancel');
const approveDataset = `${TEST_USER}/${unique('cli-a')}`;
const cancelDataset = `${TEST_USER}/${unique('cli-c')}`;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  hub.addDataset(approveDataset).addDataset(cancelDataset);
  autotrain = await new FakeAutotrain(hub).start();
  autotrain.defaultScript = { outcome: 'success', buildMs: 100, runMs: 500 };
  autotrain.scripts.set(cancelP, { outcome: 'hang', buildMs: 50 });

  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-cli-'));
  const common = { target_namespace: TEST_USER, input_model: 'microsoft/resnet-50', poll_interval_seconds: 1 };
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      pipelines: [
        { ...common, name: approveP, input_dataset: approveDataset, approval: 'required' },
        { ...common, name: cancelP, input_dataset: cancelDataset },
      ],
    }),
  );
  env = {
    RETRAIN_CONFIG: join(dir, 'config.json'),
    RETRAIN_STATE_DIR: join(dir, '.data'),
    WEBHOOK_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TEST_TOKEN,
  };
  service = await startService({
    ...env,
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_TASK_QUEUE: unique('cli'),
    WORKFLOW_BUNDLE_PATH: testBundlePath(),
    AUTOTRAIN_API_URL: autotrain.url,
    PORT: '0',
  });
  env.HUB_RETRAIN_URL = service.url;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  killServices();
  await autotrain?.stop();
  await hub?.stop();
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `hub-retrain <args>` in its own process, as a user types it. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs a command that must succeed and returns its stdout. */
async function ok(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const ran = await cli(args, extraEnv);
  if (ran.code !== 0) {
    throw new Error(
      `hub-retrain ${args.join(' ')} exited ${ran.code}\n${ran.stderr}${ran.stdout}\n--- service ---\n${service.output().slice(-3000)}`,
    );
  }
  return ran.stdout;
}

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;

/** Waits on the receiver's API (what the commands read too) until a run is at `stage` or ended. */
async function runUntil(workflowId: string, done: (r: RunDetailView) => boolean, what: string): Promise<RunDetailView> {
  return eventually(
    async () => {
      const res = await fetch(`${service.url}/api/runs/${encodeURIComponent(workflowId)}`);
      const body = (await res.json()) as RunDetailView;
      return res.ok && done(body) ? body : undefined;
    },
    60_000,
    `${workflowId}: ${what}`,
  );
}

test('pipelines and runs before any update: configured policy, no runs (text and --json)', async () => {
  const text = await ok(['pipelines']);
  expect(text).toContain(approveP);
  expect(text).toContain('approval: required');
  expect(text).toContain('none yet');
  const views = await json<PipelineView[]>(['pipelines']);
  expect(views.map((p) => [p.name, p.started])).toEqual([
    [approveP, false],
    [cancelP, false],
  ]);
  expect(await json<RunSummaryView[]>(['runs', '--pipeline', approveP])).toEqual([]);
  expect(await ok(['runs', '--pipeline', approveP])).toContain('no runs');
});

test('send-test-webhook delivers a signed Hub payload for the head; the run waits for approval; reject ends it', async () => {
  const head = hub.head(approveDataset);
  const sent = await ok(['send-test-webhook', approveP]);
  expect(sent).toContain('202');
  expect(sent).toContain(`${approveDataset}@${head.slice(0, 7)}`);
  const workflowId = retrainWorkflowId(approveP, head);
  await runUntil(workflowId, (r) => r.stage === 'awaiting-approval', 'awaiting approval');

  // Visibility is eventually consistent: the run may take a moment to be listed.
  const runs = await eventually(async () => {
    const listed = await json<RunSummaryView[]>(['runs', '--pipeline', approveP, '--status', 'running']);
    return listed.length > 0 ? listed : undefined;
  });
  expect(runs.map((r) => r.workflowId)).toEqual([workflowId]);
  expect(await ok(['runs', '--pipeline', approveP])).toContain(workflowId);
  const shown = await ok(['show', workflowId]);
  expect(shown).toContain('awaiting-approval');
  expect(shown).toContain(`hub-retrain approve ${workflowId}`);
  const detail = await json<RunDetailView>(['show', workflowId]);
  expect(detail.delivery).toMatchObject({ source: 'webhook', webhookId: 'hub-retrain-test-webhook' });

  // Writes need the admin token: missing and wrong are refused with a message that says so.
  const missing = await cli(['reject', workflowId], { ADMIN_TOKEN: '' });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('needs the admin token');
  const wrong = await cli(['reject', workflowId], { ADMIN_TOKEN: `${ADMIN}-wrong` });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('wrong admin token');

  expect(await ok(['reject', workflowId, '--by', 'bob'])).toContain('rejected');
  await runUntil(workflowId, (r) => r.status !== 'running', 'the end');
  expect(await json<RunDetailView>(['show', workflowId])).toMatchObject({
    status: 'failed',
    outcome: 'rejected',
    approval: { decision: 'rejected', by: 'bob' },
  });
});

test('trigger trains the new head; approve (run id without the retrain: prefix); watch follows it to success', async () => {
  const head = hub.pushCommit(approveDataset);
  const triggered = await json<{ accepted: boolean; pipeline: string }>(['trigger', approveP]);
  expect(triggered).toMatchObject({ accepted: true, pipeline: approveP });
  const workflowId = retrainWorkflowId(approveP, head);
  await runUntil(workflowId, (r) => r.stage === 'awaiting-approval', 'awaiting approval');

  expect(await ok(['approve', `${approveP}:${head}`, '--by', 'alice'])).toContain('approved by alice');
  const watched = await ok(['watch', workflowId, '--interval', '1']);
  expect(watched).toMatch(/succeeded\s+\[#{24}\] 100%/);
  expect(watched).toMatch(/status\s+succeeded/);
  expect(await json<RunDetailView>(['show', workflowId])).toMatchObject({
    status: 'succeeded',
    approval: { decision: 'approved', by: 'alice' },
  });
  // The pipeline hears of the end by a signal, a moment after the run closes.
  const lastResult = await eventually(async () => {
    const pipelines = await json<PipelineView[]>(['pipelines']);
    const result = pipelines.find((p) => p.name === approveP)?.lastResult;
    return result?.revision === head ? result : undefined;
  });
  expect(lastResult).toMatchObject({
    revision: head,
    outcome: 'succeeded',
  });
});

test('cancel stops a training run; a second cancel says it has ended; watch exits 1 on a cancelled run', async () => {
  await ok(['trigger', cancelP]);
  const workflowId = retrainWorkflowId(cancelP, hub.head(cancelDataset));
  await runUntil(workflowId, (r) => r.stage === 'training', 'training');
  // While the job runs, show has its status checks: how many so far and when the next one is. The Space
  // builds for a moment first, and on a busy machine the first check may still see BUILDING: wait for a
  // check that sees it running.
  const shown = await eventually(async () => {
    const text = await ok(['show', workflowId]);
    return /backend\s+autotrain \(RUNNING\)/.test(text) ? text : undefined;
  });
  expect(shown).toMatch(/checks\s+[1-9]\d* so far, next at /);
  // The run refuses a decision it does not wait for; the CLI says why.
  const refused = await cli(['approve', workflowId]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('is not waiting for approval (its pipeline has approval "none")');
  expect(await ok(['cancel', workflowId])).toContain('cancellation requested');
  await runUntil(workflowId, (r) => r.status !== 'running', 'the end');
  expect(await json<RunDetailView>(['show', workflowId])).toMatchObject({ status: 'cancelled', outcome: 'cancelled' });

  const again = await cli(['cancel', workflowId]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('has already ended');
  const watched = await cli(['watch', workflowId, '--json']);
  expect(watched.code).toBe(1);
  expect(JSON.parse(watched.stdout)).toMatchObject({ workflowId, status: 'cancelled' });
});

test('clear errors: an unknown run, a receiver that is not there', async () => {
  const unknown = await cli(['show', 'retrain:nope:0123456']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('unknown run "retrain:nope:0123456"');
  const port = await freePort();
  const away = await cli(['pipelines', '--url', `http://127.0.0.1:${port}`]);
  expect(away.code).toBe(1);
  expect(away.stderr).toContain(`the receiver at http://127.0.0.1:${port} is not reachable`);
});

test("hub-webhook create is idempotent, sets up the AutoTrain namespace's discussions too, list shows them without their secret, delete removes them", async () => {
  const created = await ok(['hub-webhook', 'create', approveP, '--url', 'https://retrain.example.org/']);
  expect(created).toContain(`created Hub webhook`);
  expect(created).toContain(`the discussions of ${TEST_USER} (domain discussion)`);
  const [webhook, discussions] = hub.webhooksOf(TEST_USER);
  expect(webhook).toMatchObject({
    url: 'https://retrain.example.org/webhook',
    watched: [{ type: 'dataset', name: approveDataset }],
    domains: ['repo'],
    secret: SECRET,
    disabled: false,
  });
  // AutoTrain posts the outcome of a training on its Space: the namespace's discussions reach the receiver.
  expect(discussions).toMatchObject({
    url: 'https://retrain.example.org/webhook',
    watched: [{ type: 'user', name: TEST_USER }],
    domains: ['discussion'],
    secret: SECRET,
  });

  const again = await json<{ created: boolean; webhook: WebhookView; discussions: { created: boolean } }>([
    'hub-webhook',
    'create',
    approveP,
    '--url',
    'https://retrain.example.org/webhook',
  ]);
  expect(again).toMatchObject({ created: false, webhook: { id: webhook?.id }, discussions: { created: false } });
  expect(hub.webhooksOf(TEST_USER)).toHaveLength(2);

  const listedText = await ok(['hub-webhook', 'list']);
  expect(listedText).toContain(webhook!.id);
  expect(listedText).toContain(discussions!.id);
  expect(listedText).not.toContain(SECRET);
  const listed = await json<WebhookView[]>(['hub-webhook', 'list', approveP]);
  expect(listed).toEqual([
    expect.objectContaining({ id: webhook?.id, secretMatches: true, pipelines: [approveP], disabled: false }),
    expect.objectContaining({ id: discussions?.id, secretMatches: true, pipelines: [approveP, cancelP] }),
  ]);
  expect(JSON.stringify(listed)).not.toContain(SECRET);
  expect((await json<WebhookView[]>(['hub-webhook', 'list', cancelP])).map((v) => v.id)).toEqual([discussions?.id]);

  // cancelP trains in the same namespace: its discussions webhook stays until it is deleted by id.
  const deleted = await ok(['hub-webhook', 'delete', approveP, '--url', 'https://retrain.example.org']);
  expect(deleted).toContain(`deleted the Hub webhook for ${approveDataset}`);
  expect(deleted).toContain(`kept the webhook of ${TEST_USER}'s discussions: ${cancelP} train there too`);
  expect(hub.webhooksOf(TEST_USER).map((w) => w.id)).toEqual([discussions?.id]);
  expect(await ok(['hub-webhook', 'delete', '--id', discussions!.id])).toContain(`deleted webhook ${discussions!.id}`);
  expect(await ok(['hub-webhook', 'list'])).toContain('no Hub webhooks');
  expect(await ok(['hub-webhook', 'delete', approveP, '--url', 'https://retrain.example.org'])).toContain(
    'nothing deleted',
  );
});

test('a delivery id holding terminal control sequences: show escapes it, --json returns it exactly, errors too', async () => {
  // The probe from the hostile-input review (issue 15): clear the screen, set the title, overwrite the line.
  const webhookId = '\x1b[2J\x1b]0;all good\x07\rstatus      succeeded';
  const head = hub.pushCommit(approveDataset);
  const payload = { ...mainPushDelivery(approveDataset, head), webhook: { id: webhookId, version: 3 } };
  const res = await fetch(`${service.url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
    body: JSON.stringify(payload),
  });
  expect(res.status).toBe(202);
  const workflowId = retrainWorkflowId(approveP, head);
  await runUntil(workflowId, (r) => r.stage === 'awaiting-approval', 'awaiting approval');

  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  const shown = await ok(['show', workflowId]);
  expect(shown).not.toMatch(raw);
  expect(shown).toContain('delivery    webhook \\x1b[2J\\x1b]0;all good\\x07\\rstatus      succeeded at ');
  expect((await json<RunDetailView>(['show', workflowId])).delivery?.webhookId).toBe(webhookId);

  // An error that quotes what was asked for is escaped as well.
  const unknown = await cli(['show', 'retrain:nope:\x1b[2Jx']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).not.toMatch(raw);
  expect(unknown.stderr).toContain('retrain:nope:\\x1b[2Jx');

  expect(await ok(['reject', workflowId, '--by', 'probe'])).toContain('rejected');
  await runUntil(workflowId, (r) => r.status !== 'running', 'the end');
});
