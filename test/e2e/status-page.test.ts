/**
 * The status page in headless Chromium (Debian's package, driven by playwright-core) against a real
 * receiver and worker: it lists a run and shows its stage change without a reload; and a person decides
 * approvals from it (the admin token asked once, kept for the tab), sees each run's verdict with both
 * numbers, and the chart of the model across revisions. UPDATE_DOCS_SCREENSHOTS=1 writes the screenshot
 * to docs/status-page.png (shown in the README).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import { folderRevision } from '../../src/datasets/local-folder';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { TOKEN_KEY } from '../../src/server/page/status-page-script';
import { approveSignal, pipelineWorkflowId, retrainWorkflowId } from '../../src/workflows/definitions';
import { pipelineSpec, startFakes, TEST_USER, type FakeStack } from '../helpers/stack';
import { startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const ADMIN = 'page-admin-token-0123456789abcdef';
const UI = 'http://temporal-ui.test';
const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];
const SCREENSHOT = process.env.UPDATE_DOCS_SCREENSHOTS
  ? join(__dirname, '..', '..', 'docs', 'status-page.png')
  : join(tmpdir(), 'hub-retrain-status-page.png');
const WAIT_MS = 60_000;

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let browser: Browser;
const receivers: Receiver[] = [];
const pipelines: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  fakes = await startFakes();
  client = await testClient();
  worker = await startWorker(unique('page'), fakes.activityDeps);
});

afterAll(async () => {
  await browser?.close();
  for (const receiver of receivers) await receiver.close();
  for (const name of pipelines)
    await client?.workflow
      .getHandle(pipelineWorkflowId(name))
      .terminate('test over')
      .catch(() => undefined);
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

async function receiver(spec: PipelineSpec, adminToken?: string): Promise<Receiver> {
  const started = await startReceiver({
    client,
    taskQueue: worker.taskQueue,
    pipelines: [spec],
    webhookSecret: 'page-test-webhook-secret',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 5000,
    temporalUiUrl: UI,
    adminToken,
  });
  receivers.push(started);
  pipelines.push(spec.name);
  return started;
}

/** Polls a locator until its text matches (the page's CSP forbids the eval that waitForFunction needs). */
async function waitForText(locator: Locator, expected: string | RegExp, what: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = (await locator.count()) > 0 ? ((await locator.first().textContent()) ?? '') : '';
    if (typeof expected === 'string' ? found === expected : expected.test(found)) return found;
    if (Date.now() > deadline) throw new Error(`the page never showed ${what} (last: ${JSON.stringify(found)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const row = (page: Page, workflowId: string, column: string): Locator =>
  page.locator(`table.runs tr[data-workflow-id="${workflowId}"] .${column}`);

test('the page lists a run the test started and shows its stage change without a reload', async () => {
  const spec = pipelineSpec(fakes, { approval: 'required' });
  const { port } = await receiver(spec, ADMIN);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
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

  await waitForText(row(page, workflowId, 'stage'), 'awaiting-approval', 'the run awaiting approval');
  expect(await row(page, workflowId, 'status').textContent()).toBe('running');
  expect(await row(page, workflowId, 'verdict').textContent()).toBe('awaiting approval');
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  const anchors = section.locator(`tr[data-workflow-id="${workflowId}"] a`);
  const links: Array<[string | null, string | null]> = [];
  for (let i = 0; i < (await anchors.count()); i++) {
    links.push([await anchors.nth(i).textContent(), await anchors.nth(i).getAttribute('href')]);
  }
  expect(links).toEqual(
    expect.arrayContaining([
      ['Temporal', `${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`],
      ['Space', expect.stringContaining(`${fakes.hub.url}/spaces/${TEST_USER}/autotrain-`) as unknown],
      ['model', expect.stringContaining(fakes.hub.url) as unknown],
    ]),
  );
  await expect(section.locator('.active').textContent()).resolves.toContain(workflowId);

  await client.workflow.getHandle(workflowId).signal(approveSignal, { by: 'page-test' });
  await waitForText(row(page, workflowId, 'stage'), 'succeeded', 'the run succeeded');
  await waitForText(row(page, workflowId, 'status'), 'succeeded', 'the status succeeded');
  // No promotion gate: every trained model is put in service, and the page says so.
  await waitForText(row(page, workflowId, 'verdict'), /^promoted/, 'the verdict');
  // The announcement on the dataset's Community tab.
  const announcement = await section
    .locator(`tr[data-workflow-id="${workflowId}"] a`, { hasText: 'announcement' })
    .getAttribute('href');
  expect(announcement).toContain(`${fakes.hub.url}/datasets/${fakes.dataset}/discussions/`);
  await expect(section.locator('.last').textContent()).resolves.toContain(`succeeded on ${revision.slice(0, 7)}`);
  expect(await page.evaluate('window.loadedOnce')).toBe(true);
  await page.close();
});

describe('deciding from the page, and the model across revisions', () => {
  let spec: PipelineSpec;
  let folder: string;
  let base: string;
  let page: Page;
  /** Content-Security-Policy refusals and script errors on the page: there must be none. */
  const violations: string[] = [];
  const recorder = () => new UpdateRecorder(client, worker.taskQueue, 5000);

  /** Changes the dataset folder and records the update, with the accuracy the trainer will report. */
  async function newRevision(rows: string, accuracy: number): Promise<string> {
    writeFileSync(join(folder, 'train.csv'), `text,label\n${rows}\n`);
    const revision = await folderRevision(folder);
    const withAccuracy = parseConfig({
      pipelines: [
        { ...configOf(spec.name), backend: { type: 'local', command: TRAINER, params: { seconds: 0.2, accuracy } } },
      ],
    })[0]!;
    await recorder().record(withAccuracy, revision, {
      source: 'webhook',
      receivedAt: new Date().toISOString(),
      webhookId: 'page-test-hook',
    });
    return retrainWorkflowId(spec.name, revision);
  }

  function configOf(name: string): Record<string, unknown> {
    return {
      name,
      target_namespace: TEST_USER,
      input_dataset: `file:${folder}`,
      input_model: 'tiny-text-model',
      task: 'text-classification',
      approval: 'required',
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0.01 },
      poll_interval_seconds: 1,
      backend: { type: 'local', command: TRAINER, params: { seconds: 0.2 } },
    };
  }

  const panel = (workflowId: string): Locator => page.locator(`section.approval[data-workflow-id="${workflowId}"]`);
  const result = (): Locator => page.locator('#decision-result');

  /** Presses the panel's button from the keyboard (focus, then Enter). */
  async function press(workflowId: string, action: 'approve' | 'reject'): Promise<void> {
    const button = panel(workflowId).locator(`button[data-decide="${action}"]`);
    await button.waitFor({ timeout: WAIT_MS });
    await button.focus();
    await page.keyboard.press('Enter');
  }

  async function giveToken(token: string): Promise<void> {
    const input = page.locator('#token-dialog #token-input');
    await input.waitFor({ state: 'visible', timeout: WAIT_MS });
    await input.fill(token);
    await page.keyboard.press('Enter');
  }

  beforeAll(async () => {
    // Readable names for the screenshot; the dev server is this run's own, and no other test uses them.
    folder = join(mkdtempSync(join(tmpdir(), 'page-')), 'product-reviews');
    mkdirSync(folder);
    spec = parseConfig({ pipelines: [configOf('product-reviews')] })[0]!;
    base = `http://127.0.0.1:${(await receiver(spec, ADMIN)).port}`;
    // A context of its own, so a second tab can open in it.
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (err) => violations.push(err.message));
    await page.goto(`${base}/`);
  });

  test('a person approves with the token (asked once, kept for the tab), sees each verdict and the chart', async () => {
    // 1. The first model. A wrong token is refused, shown, and forgotten; the right one is kept.
    const first = await newRevision('good,pos\nbad,neg', 0.8);
    await panel(first).waitFor({ timeout: WAIT_MS });
    const facts = (await panel(first).textContent()) ?? '';
    for (const fact of [first.split(':')[2]!, `file:${folder}`, 'tiny-text-model', 'a Hub webhook (page-test-hook)'])
      expect(facts).toContain(fact);
    expect(facts).toMatch(/Deadline\s*\d{4}-\d\d-\d\d .*\(in (6 d 23|7 d 0) h/); // approval_timeout: 7 days
    await page.locator(`#comment-${first.replace(/:/g, '\\:')}`).fill('looks good');
    await press(first, 'approve');
    await giveToken(`${ADMIN}-wrong`);
    await waitForText(result(), /HTTP 403, wrong admin token \(the token was forgotten/, 'the 403');
    expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`)).toBeNull();
    await press(first, 'approve');
    await giveToken(ADMIN);
    await waitForText(result(), /^✔ Approve retrain:.*: HTTP 202, /, 'the 202');
    await waitForText(row(page, first, 'verdict'), 'promoted: accuracy 0.8000, the first model', 'the first verdict');

    // The token lives in this tab only: no cookie, and another tab does not have it.
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`)).toBe(ADMIN);
    const other = await page.context().newPage();
    await other.goto(`${base}/`);
    expect(await other.evaluate(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`)).toBeNull();
    await other.close();

    // 2. A worse model: approved without being asked for the token again, trained, not promoted.
    const worse = await newRevision('good,pos\nbad,neg\nmeh,neg', 0.78);
    await press(worse, 'approve');
    expect(await page.locator('#token-dialog').getAttribute('open')).toBeNull();
    await waitForText(
      row(page, worse, 'verdict'),
      /^not promoted: accuracy 0\.7800 vs 0\.8000 in service/,
      'not promoted',
    );

    // 3. A better one: promoted, and now in service.
    const better = await newRevision('good,pos\nbad,neg\nfine,pos', 0.9);
    await press(better, 'approve');
    await waitForText(row(page, better, 'verdict'), /^promoted: accuracy 0\.9000 vs 0\.8000 in service/, 'promoted');

    // 4. The next one waits: the chart has the three models, one of them promoted and in service.
    const waiting = await newRevision('good,pos\nbad,neg\nfine,pos\ngreat,pos', 0.95);
    await panel(waiting).waitFor({ timeout: WAIT_MS });
    const chart = page.locator(`section[data-pipeline="${spec.name}"] svg.chart-svg`);
    await waitForText(chart.locator('desc'), /3 trained models/, 'the chart with three points');
    expect(await chart.locator('g.point').count()).toBe(3);
    expect(await chart.locator('g.point[data-verdict="promoted"]').count()).toBe(2);
    expect(await chart.locator('g.point[data-verdict="not-promoted"]').count()).toBe(1);
    expect(await chart.locator('g.point[data-in-service="true"]').getAttribute('data-revision')).toBe(
      better.split(':')[2],
    );
    expect(await chart.locator('path.threshold').count()).toBe(1);
    await expect(chart.locator('text.threshold-label').textContent()).resolves.toBe('to beat 0.9100');
    const table = page.locator(`section[data-pipeline="${spec.name}"] table.series tbody tr`);
    expect(await table.count()).toBe(3);
    expect(await table.first().textContent()).toMatch(/0\.9000\s*0\.8000.*promoted \(in service\)/s);
    // Links: the run's own page in the Web UI, and the model's local folder.
    const links = row(page, better, 'links');
    const { runId } = await client.workflow.getHandle(better).describe();
    expect(await links.locator('a', { hasText: 'Temporal' }).getAttribute('href')).toBe(
      `${UI}/namespaces/default/workflows/${encodeURIComponent(better)}/${runId}/history`,
    );
    const folderOfModel = join(fakes.activityDeps.modelsDir, spec.name, better.split(':')[2]!);
    await expect(links.locator('.path code').getAttribute('title')).resolves.toBe(folderOfModel);
    await expect(links.locator('.path code').textContent()).resolves.toBe(
      `…/${spec.name}/${better.split(':')[2]!.slice(0, 7)}`,
    );
    await page.locator('h1').hover(); // no tooltip or focus ring in the picture
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // 5. Decided elsewhere meanwhile (the CLI, say): the page's Approve gets the API's refusal, and shows it.
    const refresh = (url: URL): boolean => url.pathname === '/';
    await page.route(refresh, (route) => route.abort()); // keep the panel on screen
    const cli = await fetch(`${base}/api/runs/${encodeURIComponent(waiting)}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'someone-else' }),
    });
    expect(cli.status).toBe(202);
    await client.workflow
      .getHandle(waiting)
      .result()
      .catch(() => undefined); // ended, rejected
    await press(waiting, 'approve');
    await waitForText(result(), /^✖ Approve retrain:.*: HTTP 409, /, 'the 409');
    await page.unroute(refresh);
    await waitForText(row(page, waiting, 'verdict'), 'rejected: by someone-else', 'the rejection');
    expect(await panel(waiting).count()).toBe(0);
    expect(violations).toEqual([]);
  });

  test('without ADMIN_TOKEN the buttons are disabled and say why; a 429 says when to try again', async () => {
    const waiting = await newRevision('good,pos\nbad,neg\nfine,pos\ngreat,pos\nsuper,pos', 0.93);
    const readOnly = await receiver(spec);
    const view = await browser.newPage();
    await view.goto(`http://127.0.0.1:${readOnly.port}/`);
    const buttons = view.locator(`section.approval[data-workflow-id="${waiting}"] button[data-decide]`);
    await buttons.first().waitFor({ timeout: WAIT_MS });
    expect(await buttons.count()).toBe(2);
    for (let i = 0; i < 2; i++) expect(await buttons.nth(i).isDisabled()).toBe(true);
    await expect(
      view.locator(`section.approval[data-workflow-id="${waiting}"] .note`).textContent(),
    ).resolves.toContain('The write API is disabled');
    await expect(view.locator('#write-api').getAttribute('data-write-api')).resolves.toBe('disabled');
    await view.close();

    // The write API's rate limit counts failed attempts too; the page says when to try again.
    const limited = createServer(
      createApp({
        pipelines: [spec],
        webhookSecret: 'page-test-webhook-secret',
        recorder: recorder(),
        client,
        logger: createLogger('silent'),
        adminToken: ADMIN,
        writeRequestsPerMinute: 1,
      }),
    );
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://127.0.0.1:${(limited.address() as AddressInfo).port}/`);
      await page.evaluate(`sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, 'not-the-token')`);
      await press(waiting, 'reject');
      await waitForText(result(), /HTTP 403, wrong admin token/, 'the 403');
      await press(waiting, 'reject');
      await giveToken('still-not-the-token');
      await waitForText(result(), /HTTP 429, too many write requests: .* \(try again in \d+ s\)$/, 'the 429');
    } finally {
      limited.closeAllConnections();
      await new Promise((resolve) => limited.close(resolve));
    }
    await page.close();
    expect(violations).toEqual([]);

    const reject = await fetch(`${base}/api/runs/${encodeURIComponent(waiting)}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(reject.status).toBe(202);
  });
});
