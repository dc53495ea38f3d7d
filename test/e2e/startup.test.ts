/**
 * `npm start` (the same entry: `hub-retrain start`) when something is in the way: a port that is taken, a
 * part that fails after the embedded dev server started, a stop asked for while it starts, a dataset
 * folder that is not there. Each ends with a clear message and exit status, and no process left behind.
 */
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portInUse } from '../../src/http/port-check';
import { freePort, killServices, processesMentioning, runCli, startService, CLI } from '../helpers/service-process';
import { eventually, testAddress, testBundlePath, unique } from '../helpers/temporal';
import { spawn } from 'node:child_process';

const held: Server[] = [];

afterAll(async () => {
  killServices();
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Someone else's server on a port: a plain listener is enough to make it taken. */
async function holdPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A folder with a config.json (an AutoTrain pipeline: nothing is reached at start) and an empty state dir. */
function workspace(extra: Record<string, unknown> = {}): { dir: string; config: string; stateDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-startup-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      target_namespace: 'acme',
      input_dataset: 'acme/product-images',
      input_model: 'microsoft/resnet-50',
      autotrain_project_prefix: unique('st'),
      ...extra,
    }),
  );
  return { dir, config, stateDir: join(dir, '.data') };
}

interface EmbeddedEnv extends Record<string, string> {
  TEMPORAL_DEV_PORT: string;
  TEMPORAL_UI_PORT: string;
  PORT: string;
}

async function embeddedEnv(ws: { config: string; stateDir: string }): Promise<EmbeddedEnv> {
  return {
    TEMPORAL_ADDRESS: '',
    WEBHOOK_SECRET: '',
    RETRAIN_CONFIG: ws.config,
    RETRAIN_STATE_DIR: ws.stateDir,
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    PORT: String(await freePort()),
    LOG_FORMAT: 'json',
  };
}

test("a taken dev server port stops npm start with the port and the variables that move it, not someone else's server", async () => {
  const ws = workspace();
  const taken = await holdPort();
  const ran = await runCli(['start'], { ...(await embeddedEnv(ws)), TEMPORAL_DEV_PORT: String(taken) });
  expect(ran.code).toBe(1);
  expect(ran.stderr).toContain(`port ${taken} is taken`);
  expect(ran.stderr).toContain('TEMPORAL_DEV_PORT');
  expect(ran.stderr).toContain(`TEMPORAL_ADDRESS=localhost:${taken}`);
  expect(ran.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(ran.stdout).not.toContain('hub-retrain is running');
  expect(processesMentioning(ws.dir)).toEqual([]);

  const ui = await holdPort();
  const uiRan = await runCli(['start'], { ...(await embeddedEnv(ws)), TEMPORAL_UI_PORT: String(ui) });
  expect(uiRan.code).toBe(1);
  expect(uiRan.stderr).toContain(`port ${ui} is taken`);
  expect(uiRan.stderr).toContain('TEMPORAL_UI_PORT');
  expect(processesMentioning(ws.dir)).toEqual([]);
});

test('a taken receiver port stops npm start before anything starts, saying PORT moves it', async () => {
  const ws = workspace();
  const taken = await holdPort();
  const ran = await runCli(['start'], { ...(await embeddedEnv(ws)), PORT: String(taken) });
  expect(ran.code).toBe(1);
  expect(ran.stderr).toContain(`port ${taken} is taken by another program, so the receiver cannot listen there`);
  expect(ran.stderr).toContain('Set PORT');
  expect(existsSync(join(ws.stateDir, 'temporal.db'))).toBe(false); // the dev server never started
  expect(processesMentioning(ws.dir)).toEqual([]);
});

test('a part that fails after the embedded dev server started stops it again: nothing is left running', async () => {
  const ws = workspace();
  const garbage = join(ws.dir, 'broken-bundle.js');
  writeFileSync(garbage, 'this is not a workflow bundle (');
  const env: EmbeddedEnv = { ...(await embeddedEnv(ws)), WORKFLOW_BUNDLE_PATH: garbage };
  const ran = await runCli(['start'], env);
  expect(ran.code).toBe(1);
  expect(existsSync(join(ws.stateDir, 'temporal.db'))).toBe(true); // it did start, then failed
  expect(ran.stdout).not.toContain('hub-retrain is running');
  expect(processesMentioning(ws.dir)).toEqual([]);
  expect(await portInUse(Number(env.TEMPORAL_DEV_PORT), '127.0.0.1')).toBe(false);
});

test('SIGTERM while npm start is starting stops what had started; nothing is left running', async () => {
  const ws = workspace();
  const env: EmbeddedEnv = { ...(await embeddedEnv(ws)), WORKFLOW_BUNDLE_PATH: testBundlePath() };
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // As soon as the dev server answers, before the worker and receiver are up (or just after).
  await eventually(
    async () => ((await portInUse(Number(env.TEMPORAL_DEV_PORT), '127.0.0.1')) ? true : undefined),
    60_000,
    'the dev server port',
  );
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000, 'still running'))]);
  if (code !== 0) child.kill('SIGKILL');
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  expect(processesMentioning(ws.dir)).toEqual([]);
});

test('with TEMPORAL_ADDRESS set on purpose a taken dev server port is no matter; a terminal-style log is quiet and the banner keeps the secret', async () => {
  const ws = workspace();
  const secret = 'startup-webhook-secret-0123456789';
  const service = await startService({
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_TASK_QUEUE: unique('startup'),
    TEMPORAL_DEV_PORT: String(await holdPort()),
    WORKFLOW_BUNDLE_PATH: testBundlePath(),
    WEBHOOK_SECRET: secret,
    RETRAIN_CONFIG: ws.config,
    RETRAIN_STATE_DIR: ws.stateDir,
    PORT: '0',
    LOG_FORMAT: 'pretty',
    LOG_LEVEL: '',
  });
  const deliver = await fetch(`${service.url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify({
      event: { action: 'update', scope: 'repo.content' },
      repo: { type: 'dataset', name: 'acme/not-watched' },
      webhook: { id: 'x', version: 3 },
    }),
  });
  expect(deliver.status).toBe(200);
  expect(await service.stop()).toBe(0);
  const out = service.output();
  expect(out).toContain('Webhook secret  from WEBHOOK_SECRET (not shown)');
  expect(out).not.toContain(secret);
  expect(out).toMatch(/Ports +receiver \d+ \(PORT\)/);
  // Pretty and quiet: no JSON lines, no request log, no SDK chatter at info.
  expect(out).not.toMatch(/^\{"level"/m);
  expect(out).not.toContain('"msg":"request"');
  expect(out).not.toMatch(/INFO.*request/);
  expect(out).not.toContain('Worker state changed');
});

test('a missing dataset folder is caught by check-config and by npm start before anything starts, with its key path', async () => {
  const ws = workspace();
  const local = {
    pipelines: [
      {
        name: 'reviews',
        target_namespace: 'me',
        input_dataset: 'file:data/reviews',
        input_model: 'm',
        task: 'text-classification',
        backend: { type: 'local' },
      },
    ],
  };
  writeFileSync(ws.config, JSON.stringify(local));
  const checked = await runCli(['check-config'], { RETRAIN_CONFIG: ws.config });
  expect(checked.code).toBe(2);
  expect(checked.stderr).toContain(
    `pipelines[0].input_dataset: the folder ${join(ws.dir, 'data', 'reviews')} does not exist`,
  );
  const started = await runCli(['start'], await embeddedEnv(ws));
  expect(started.code).toBe(2);
  expect(started.stderr).toContain('pipelines[0].input_dataset: the folder');
  expect(started.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(ws.stateDir)).toBe(false); // nothing started, nothing written

  mkdirSync(join(ws.dir, 'data', 'reviews'), { recursive: true });
  writeFileSync(join(ws.dir, 'data', 'reviews', 'train.csv'), 'text,label\ngood,pos\n');
  const fixed = await runCli(['check-config'], { RETRAIN_CONFIG: ws.config });
  expect(fixed.stdout).toContain('reviews: file:data/reviews -> local');
  expect(fixed.code).toBe(0);
});
