/**
 * What runs cost and the budgets they are held to, on a real Temporal dev server with the fake Hub and the fake Jobs
 * API: the spend ledger (BudgetWorkflow) keeps the month's spend, a run reserves its estimate before its job starts,
 * and a training that would pass per_run_usd is stopped. The fake's a10g-small costs $1/h, billed per started minute:
 * a run with timeout_seconds 60 is estimated at one minute ($0.016667), and a short fake job is billed one minute.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PipelineSpec } from '../../src/config/config-schema';
import { budgetViewQuery, budgetWorkflowId } from '../../src/workflows/budget-definitions';
import { decideUpdate, progressQuery } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { Registry } from 'prom-client';
import { registerSpendCounter } from '../../src/observability/spend-counter';
import { RunEndings } from '../../src/server/api/run-endings';
import { runSummaryFrom } from '../../src/server/api/run-views';
import { SpendReader } from '../../src/server/api/spend-reader';
import { renderStatusPage } from '../../src/server/page/status-page';
import { StatusReader } from '../../src/server/api/status-reader';
import { monthOf } from '../../src/workflows/budget-ledger';
import { jobsPipeline, useJobsWorkerStack } from '../helpers/jobs-stack';
import { startRetrainRun } from '../helpers/stack';
import { eventually, runView, startWorker, unique } from '../helpers/temporal';

const MINUTE_OF_A10G = 0.016667;

const stack = useJobsWorkerStack('budget');

const budgeted = (budget: Record<string, unknown>): PipelineSpec =>
  jobsPipeline(stack.fakes, { name: unique('budget'), budget }, { flavor: 'a10g-small', timeout_seconds: 60 });

/** A run of the pipeline on a new commit of the dataset (each run trains its own revision). */
const run = (pipeline: PipelineSpec, queue = stack.worker.taskQueue): Promise<WorkflowHandle<typeof RetrainWorkflow>> =>
  startRetrainRun(stack.client, queue, pipeline, stack.fakes.hub.pushCommit(stack.fakes.dataset));

const failureOf = async (handle: WorkflowHandle): Promise<ApplicationFailure> => {
  const err: unknown = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
};

const jobsOf = (pipeline: PipelineSpec) => stack.fakes.jobs.jobsLabelled({ 'retrain-pipeline': pipeline.name });

test('a pipeline whose monthly_usd allows two runs of its flavor runs two, and holds the third for approval with the figures', async () => {
  const pipeline = budgeted({ monthly_usd: 0.04 });
  for (let i = 0; i < 2; i++) {
    const handle = await run(pipeline);
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded' });
    const progress = await handle.query(progressQuery);
    expect(progress.cost).toEqual({
      usd: MINUTE_OF_A10G,
      seconds: expect.any(Number) as number,
      billedSeconds: 60, // the job ran a few seconds, billed one started minute
      hardware: 'a10g-small',
      pricePerHour: 1,
      priceSource: 'hub:/api/jobs/hardware',
    });
    expect(progress.budget).toMatchObject({ decision: 'reserved', estimateUsd: MINUTE_OF_A10G, basis: 'timeout' });
  }

  const third = await run(pipeline);
  const held = await eventually(async () => {
    const p = await third.query(progressQuery);
    return p.stage === 'awaiting-approval' && p.links.discussion ? p : undefined;
  });
  expect(jobsOf(pipeline)).toHaveLength(2);
  expect(held.budget).toMatchObject({
    decision: 'over-budget',
    estimateUsd: MINUTE_OF_A10G,
    pipeline: { spentUsd: 2 * MINUTE_OF_A10G, reservedUsd: 0, limitUsd: 0.04, leftUsd: 0.006666 },
  });
  expect(held.budget?.reason).toContain("the pipeline's monthly_usd");
  const request = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(`approve retraining ${pipeline.name}`));
  expect(request?.description).toContain('**Over budget:** estimate $0.0167');
  expect(request?.description).toContain('$0.0333 spent');

  await third.executeUpdate(decideUpdate, { args: [{ approved: true, by: 'finance' }] });
  await expect(third.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  expect((await third.query(progressQuery)).budget).toMatchObject({ decision: 'approved-over-budget' });
  expect(jobsOf(pipeline)).toHaveLength(3);
});

test('two runs that start at once with room for one: exactly one starts its job, the other fails over budget', async () => {
  const pipeline = budgeted({ monthly_usd: 0.02, over: 'fail' });
  stack.fakes.jobs.scriptFor = (request) =>
    request.labels?.['retrain-pipeline'] === pipeline.name ? { outcome: 'hang', schedulingMs: 50 } : undefined;
  try {
    const handles = await Promise.all([run(pipeline), run(pipeline)]);
    const failed = await eventually(async () => {
      for (const h of handles) {
        const p = await h.query(progressQuery);
        if (p.stage === 'compensated') return h;
      }
      return undefined;
    });
    const started = handles.find((h) => h !== failed)!;
    const failure = await failureOf(failed);
    expect(failure.type).toBe('OverBudget');
    expect(failure.message).toContain('$0.0167 reserved');
    const job = await eventually(() => jobsOf(pipeline)[0]);
    expect(jobsOf(pipeline)).toHaveLength(1);
    expect((await started.query(progressQuery)).stage).toBe('training');
    stack.fakes.jobs.end(job.id);
    await expect(started.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  } finally {
    stack.fakes.jobs.scriptFor = () => undefined;
  }
});

test('a training that would pass per_run_usd is cancelled before the billing unit that would pass it, and compensated', async () => {
  // $0.025 at $1/h billed per minute pays for one whole minute ($0.016667), not 90 s: the second minute would pass
  // it, so the job is stopped 55 s in (a margin for the cancellation) and billed one minute.
  const pipeline = budgeted({ per_run_usd: 0.025 });
  stack.fakes.jobs.scriptFor = (request) =>
    request.labels?.['retrain-pipeline'] === pipeline.name ? { outcome: 'hang', schedulingMs: 50 } : undefined;
  try {
    const handle = await run(pipeline);
    const failure = await failureOf(handle);
    expect(failure.type).toBe('OverBudget');
    expect(failure.message).toContain('budget.per_run_usd ($0.025)');
    const [job] = jobsOf(pipeline);
    expect(stack.fakes.jobs.cancelCalls).toContain(job!.id);
    expect(job!.stage).toBe('CANCELED');
    const progress = await handle.query(progressQuery);
    expect(progress.stage).toBe('compensated');
    expect(progress.budget?.stopped).toContain('billed per 60 s: stopped after 55s, within 1 billing unit');
    expect(progress.budget?.estimateUsd).toBe(MINUTE_OF_A10G);
    expect(progress.cost).toMatchObject({ hardware: 'a10g-small', usd: MINUTE_OF_A10G, billedSeconds: 60 });
    // Settled once the job was stopped and before the failure notice (patch 'cost-before-failure-notice').
    const notice = stack.fakes.hub
      .discussionsOf('dataset', stack.fakes.dataset)
      .find((d) => d.title.includes(`${pipeline.name} failed`));
    expect(notice?.description).toContain('| Cost | $0.0167: 60 s billed (');
    expect(notice?.description).toContain('of a10g-small at $1/h');
  } finally {
    stack.fakes.jobs.scriptFor = () => undefined;
  }
});

test('a run whose one billing unit costs more than per_run_usd is refused before its job starts, with the figures', async () => {
  // One minute of a10g-small is $0.0167; per_run_usd $0.002 pays for none of it.
  const failing = budgeted({ per_run_usd: 0.002, over: 'fail' });
  const failure = await failureOf(await run(failing));
  expect(failure.type).toBe('OverBudget');
  expect(failure.message).toContain(
    "over budget: one billing unit (60 s at $1/h) costs $0.0167, more than the pipeline's per_run_usd ($0.0020)",
  );
  expect(jobsOf(failing)).toHaveLength(0);

  const approving = budgeted({ per_run_usd: 0.002 });
  const held = await run(approving);
  const progress = await eventually(async () => {
    const p = await held.query(progressQuery);
    return p.stage === 'awaiting-approval' && p.links.discussion ? p : undefined;
  });
  expect(progress.budget).toMatchObject({ decision: 'over-budget', estimateUsd: MINUTE_OF_A10G, perRunUsd: 0.002 });
  expect(progress.budget?.reason).toContain('one billing unit (60 s at $1/h) costs $0.0167');
  expect(jobsOf(approving)).toHaveLength(0);
  await held.cancel();
  await expect(held.result()).rejects.toThrow();
});

test("a terminated run's reservation is released by the next reservation, which then fits", async () => {
  // Room for one minute: the first run reserves it and hangs; terminated, it never settles.
  const pipeline = budgeted({ monthly_usd: 0.02, over: 'fail' });
  stack.fakes.jobs.scriptFor = (request) =>
    request.labels?.['retrain-pipeline'] === pipeline.name ? { outcome: 'hang', schedulingMs: 50 } : undefined;
  let job: { id: string } | undefined;
  try {
    const first = await run(pipeline);
    await eventually(async () => ((await first.query(progressQuery)).stage === 'training' ? true : undefined));
    job = jobsOf(pipeline)[0];
    await first.terminate('an operator ended it');
    const ledger = stack.client.workflow.getHandle(budgetWorkflowId(stack.worker.taskQueue));
    const held = await ledger.query(budgetViewQuery);
    expect(held.months.find((m) => m.pipeline === pipeline.name)).toMatchObject({ reservedUsd: MINUTE_OF_A10G });

    stack.fakes.jobs.scriptFor = () => undefined;
    const second = await run(pipeline);
    await expect(second.result()).resolves.toMatchObject({ outcome: 'succeeded' });
    // Without the release it would fail over budget ($0.0033 left of $0.02, $0.0167 reserved).
    expect((await second.query(progressQuery)).budget).toMatchObject({ decision: 'reserved' });
    const after = await ledger.query(budgetViewQuery);
    expect(after.months.find((m) => m.pipeline === pipeline.name)).toMatchObject({
      reservedUsd: 0,
      spentUsd: MINUTE_OF_A10G,
      runs: 1,
    });
  } finally {
    stack.fakes.jobs.scriptFor = () => undefined;
    if (job) stack.fakes.jobs.end(job.id);
  }
});

test("the month's spend survives a worker restart: a new worker holds the run the old one's spend leaves no room for", async () => {
  const queue = unique('budget-restart');
  const pipeline = budgeted({ monthly_usd: 0.03, over: 'fail' });
  const first = await startWorker(queue, stack.fakes.activityDeps);
  try {
    await expect((await run(pipeline, queue)).result()).resolves.toMatchObject({ outcome: 'succeeded' });
  } finally {
    await first.stop();
  }
  const second = await startWorker(queue, stack.fakes.activityDeps);
  try {
    const view = await stack.client.workflow.getHandle(budgetWorkflowId(queue)).query(budgetViewQuery);
    expect(view.months).toEqual([
      expect.objectContaining({ pipeline: pipeline.name, spentUsd: MINUTE_OF_A10G, reservedUsd: 0, runs: 1 }),
    ]);
    expect(view.totals).toEqual([{ pipeline: pipeline.name, backend: 'hf-jobs', usd: MINUTE_OF_A10G }]);
    const failure = await failureOf(await run(pipeline, queue));
    expect(failure.type).toBe('OverBudget');
    expect(failure.message).toContain('$0.0167 spent');
    expect(jobsOf(pipeline)).toHaveLength(1);
  } finally {
    await second.stop();
  }
});

test('a budgeted pipeline whose flavor has no price fails before any job starts, naming backend.flavor', async () => {
  // check-config refuses such a pipeline (test/unit/budget.test.ts); a spec that got past it fails at its run.
  const pipeline: PipelineSpec = {
    ...jobsPipeline(stack.fakes, { name: unique('budget') }, { flavor: 'quantum-xl' }),
    budget: { monthly_usd: 5, over: 'approve', estimate: 'timeout' },
  };
  const failure = await failureOf(await run(pipeline));
  expect(failure.message).toContain('backend.flavor: no price for the Jobs flavor "quantum-xl"');
  expect(jobsOf(pipeline)).toHaveLength(0);
});

test("prices from the config's dated table say config:<date>; a run without a budget and without a price says price unknown", async () => {
  // h200 is a flavor the fake accepts but the built-in table does not price; the Hub's list is emptied for these runs.
  const emptyList = () =>
    stack.fakes.jobs.faults.add({ method: 'GET', path: '/api/jobs/hardware', times: 1, status: 200, rawBody: '[]' });
  const configured = jobsPipeline(
    stack.fakes,
    { name: unique('budget'), budget: { monthly_usd: 5 }, prices: { date: '2026-11-30', usd_per_hour: { h200: 6 } } },
    { flavor: 'h200', timeout_seconds: 60 },
  );
  emptyList();
  const priced = await run(configured);
  await expect(priced.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  expect((await priced.query(progressQuery)).cost).toMatchObject({
    hardware: 'h200',
    pricePerHour: 6,
    priceSource: 'config:2026-11-30',
    billedSeconds: 60,
    usd: 0.1,
  });

  const unpriced = jobsPipeline(stack.fakes, { name: unique('budget') }, { flavor: 'h200', timeout_seconds: 60 });
  emptyList();
  const handle = await run(unpriced);
  await expect(handle.result()).resolves.toMatchObject({ outcome: 'succeeded' });
  const detail = await runView(stack.client, handle.workflowId);
  expect(detail.cost).toBeUndefined();
  expect(detail.priceUnknown).toContain('backend.flavor: no price for the Jobs flavor "h200"');
  const notice = stack.fakes.hub
    .discussionsOf('dataset', stack.fakes.dataset)
    .find((d) => d.title.includes(unpriced.name));
  expect(notice?.description).toContain('| Cost | price unknown: ');
  expect(jobsOf(unpriced)).toHaveLength(1);
});

test("what a run cost and its pipeline's month show in the run view, the runs list, the status page and /metrics", async () => {
  const pipeline = budgeted({ monthly_usd: 1 });
  const handle = await run(pipeline);
  await handle.result();
  const detail = await runView(stack.client, handle.workflowId);
  expect(detail.cost).toMatchObject({
    usd: MINUTE_OF_A10G,
    billedSeconds: 60,
    hardware: 'a10g-small',
    priceSource: 'hub:/api/jobs/hardware',
  });
  expect(detail.budget).toMatchObject({ decision: 'reserved', pipeline: { limitUsd: 1 } });

  const spend = new SpendReader(stack.client, stack.worker.taskQueue, 5_000);
  const reader = new StatusReader({
    client: stack.client,
    pipelines: [pipeline],
    ui: { namespace: 'default' },
    timeoutMs: 10_000,
    queryTimeoutMs: 5_000,
    endings: new RunEndings({ client: stack.client, timeoutMs: 10_000 }),
    spend,
  });
  const [view] = await reader.listPipelines();
  expect(view!.spend).toEqual({
    month: monthOf(new Date()),
    spentUsd: MINUTE_OF_A10G,
    reservedUsd: 0,
    runs: 1,
    monthlyUsd: 1,
  });
  // The runs list reads the memo (no worker needed); this run was started without the pipeline's search attributes.
  const runs = [runSummaryFrom(await handle.describe(), { namespace: 'default' })];
  expect(runs[0]!.cost?.usd).toBe(MINUTE_OF_A10G);
  const html = renderStatusPage({
    pipelines: [{ view: view!, runs, endings: new Map(), approvals: [] }],
    writeApi: false,
    generatedAt: new Date().toISOString(),
  });
  expect(html).toContain(`<dd class="spend">$0.0167 in 1 run, of $1.00 (monthly_usd)</dd>`);
  expect(html).toMatch(
    /<td class="cost" title="\$0\.0167: 60 s billed \([\d.]+ s run\) of a10g-small at \$1\/h \(hub:\/api\/jobs\/hardware\)">\$0\.0167<\/td>/,
  );

  const registry = new Registry();
  registerSpendCounter(registry, () => spend.view());
  expect(await registry.metrics()).toContain(
    `hub_retrain_spend_usd_total{pipeline="${pipeline.name}",backend="hf-jobs"} ${MINUTE_OF_A10G}`,
  );
});

test('a global monthly_usd holds over every pipeline: the second pipeline that would pass it fails, naming it', async () => {
  const queue = unique('budget-global');
  const global = { global_budget: { monthly_usd: 0.02 } };
  const first = { ...budgeted({ per_run_usd: 1, over: 'fail' }), ...global };
  const second = { ...budgeted({ per_run_usd: 1, over: 'fail' }), ...global };
  const own = await startWorker(queue, stack.fakes.activityDeps);
  try {
    await expect((await run(first, queue)).result()).resolves.toMatchObject({ outcome: 'succeeded' });
    const failure = await failureOf(await run(second, queue));
    expect(failure.type).toBe('OverBudget');
    expect(failure.message).toContain('the global monthly_usd ($0.0033 of $0.02: $0.0167 spent');
    expect(jobsOf(second)).toHaveLength(0);
  } finally {
    await own.stop();
  }
});
