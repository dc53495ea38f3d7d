/**
 * The status page in headless Chromium (Debian's package, driven by playwright-core) against a real
 * receiver and worker: it lists a run the test starts and shows its stage change without a reload.
 */
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PipelineSpec } from '../../src/config/config-schema';
import { createLogger } from '../../src/logging';
import { UpdateRecorder } from '../../src/server/record-update';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { approveSignal, pipelineWorkflowId, retrainWorkflowId } from '../../src/workflows/definitions';
import { pipelineSpec, startFakes, type FakeStack } from '../helpers/stack';
import { startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let receiver: Receiver;
let browser: Browser;
let spec: PipelineSpec;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does: apt-get install -y chromium)`,
    );
  }
  fakes = await startFakes();
  client = await testClient();
  worker = await startWorker(unique('page'), fakes.activityDeps);
  spec = pipelineSpec(fakes, { approval: 'required' });
  receiver = await startReceiver({
    client,
    taskQueue: worker.taskQueue,
    pipelines: [spec],
    webhookSecret: 'page-test-webhook-secret',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    signalTimeoutMs: 5000,
    temporalUiUrl: 'http://temporal-ui.test',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await client?.workflow
    .getHandle(pipelineWorkflowId(spec.name))
    .terminate('test over')
    .catch(() => undefined);
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

const cellSelector = (workflowId: string, column: string): string => `tr[data-workflow-id="${workflowId}"] .${column}`;

/**
 * Waits until the page (as it refreshes itself) shows `text` in the run's cell. Polled through a locator:
 * the page's Content-Security-Policy forbids the eval that a waitForFunction expression would need.
 */
async function waitForCell(page: Page, workflowId: string, column: string, text: string): Promise<void> {
  const cell = page.locator(cellSelector(workflowId, column));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await cell.count()) > 0 && (await cell.first().textContent()) === text) return;
    if (Date.now() > deadline) throw new Error(`the page never showed ${column} = ${text} for ${workflowId}`);
    await page.waitForTimeout(200);
  }
}

test('the page lists a run the test started and shows its stage change without a reload', async () => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${receiver.port}/`);
  const section = page.locator(`section[data-pipeline="${spec.name}"]`);
  await expect(section.locator('.config').textContent()).resolves.toContain('approval: required');
  await expect(section.textContent()).resolves.toContain('no runs yet');
  // Marks this document: a reload would lose it.
  await page.evaluate('window.loadedOnce = true');

  const revision = fakes.hub.head(fakes.dataset);
  const workflowId = retrainWorkflowId(spec.name, revision);
  await new UpdateRecorder(client, worker.taskQueue, 5000).record(spec, revision, {
    source: 'webhook',
    receivedAt: new Date().toISOString(),
  });

  await waitForCell(page, workflowId, 'stage', 'awaiting-approval');
  expect(await page.locator(cellSelector(workflowId, 'status')).textContent()).toBe('running');
  const anchors = section.locator(`tr[data-workflow-id="${workflowId}"] a`);
  const links: Array<[string | null, string | null]> = [];
  for (let i = 0; i < (await anchors.count()); i++) {
    links.push([await anchors.nth(i).textContent(), await anchors.nth(i).getAttribute('href')]);
  }
  expect(links).toEqual(
    expect.arrayContaining([
      ['Temporal', `http://temporal-ui.test/namespaces/default/workflows/${encodeURIComponent(workflowId)}`],
      ['job', expect.stringContaining(fakes.hub.url) as unknown],
    ]),
  );
  await expect(section.locator('.active').textContent()).resolves.toContain(workflowId);

  await client.workflow.getHandle(workflowId).signal(approveSignal, { by: 'page-test' });
  await waitForCell(page, workflowId, 'stage', 'succeeded');
  await waitForCell(page, workflowId, 'status', 'succeeded');
  await expect(section.locator('.last').textContent()).resolves.toContain(`succeeded on ${revision.slice(0, 7)}`);
  expect(await page.evaluate('window.loadedOnce')).toBe(true);
  await page.close();
});
