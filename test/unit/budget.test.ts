import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenCpuSeconds } from '../../src/backends/local/supervisor';
import { budgetLine, costLine } from '../../src/budget/cost-lines';
import { billedSeconds, costOf, perRunLimitSeconds } from '../../src/budget/cost-math';
import { PRICE_TABLE_DATE, priceFromJobsList, priceFromTable } from '../../src/budget/hardware-prices';
import { parseConfig } from '../../src/config/load-config';
import { issuesOf } from '../helpers/config-issues';
import { emptyLedger, Ledger } from '../../src/workflows/budget-ledger';
import type { ReserveRequest } from '../../src/workflows/budget-definitions';
import { formatPipelines, formatRun, formatRuns } from '../../src/cli/format';
import type { RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';
import { pipelineFromState } from '../../src/server/api/run-views';
import type { PipelineState } from '../../src/workflows/definitions';

const PIPELINE = {
  name: 'beans',
  target_namespace: 'acme',
  input_dataset: 'acme/beans',
  input_model: 'microsoft/resnet-50',
  backend: { type: 'hf-jobs', flavor: 'a10g-small' },
};

describe('budget in config.json', () => {
  test('a pipeline budget and a global one are read, with their defaults', () => {
    const [spec] = parseConfig({
      pipelines: [{ ...PIPELINE, budget: { monthly_usd: 50 } }],
      budget: { monthly_usd: 200 },
    });
    expect(spec?.budget).toEqual({ monthly_usd: 50, over: 'approve', estimate: 'timeout' });
    expect(spec?.global_budget).toEqual({ monthly_usd: 200 });
  });

  test.each([
    [{ monthly_usd: -5 }, 'pipelines[0].budget.monthly_usd: expected an amount in US dollars greater than 0'],
    [
      { per_run_usd: 'ten' },
      'pipelines[0].budget.per_run_usd: expected an amount in US dollars (a number, e.g. 25 or 2.5)',
    ],
    [{}, 'pipelines[0].budget: expected monthly_usd, per_run_usd or both'],
    [{ monthly_usd: 5, over: 'maybe' }, 'pipelines[0].budget.over: expected "approve" or "fail"'],
  ])('a wrong budget %j is an error naming its key path', (budget, issue) => {
    expect(issuesOf({ pipelines: [{ ...PIPELINE, budget }] })).toContain(issue);
  });

  test('a global budget must be a positive monthly_usd, and nothing else', () => {
    const issues = issuesOf({ pipelines: [PIPELINE], budget: { monthly_usd: 0, per_run_usd: 3 } });
    expect(issues.join('\n')).toMatch(/budget\.monthly_usd: expected an amount in US dollars greater than 0/);
    expect(issues.join('\n')).toMatch(/per_run_usd/);
  });

  const PRICES = { date: '2026-11-30', usd_per_hour: { h200: 6, 'a10g-small': 0.9 } };

  test('a dated price table is read at the top level (for every pipeline without its own) or per pipeline', () => {
    const [top, own] = parseConfig({
      pipelines: [PIPELINE, { ...PIPELINE, name: 'own', prices: { date: '2026-10-01', usd_per_hour: {} } }],
      prices: PRICES,
    });
    expect(top?.prices).toEqual(PRICES);
    expect(own?.prices).toEqual({ date: '2026-10-01', usd_per_hour: {} });
    expect(parseConfig({ ...PIPELINE, prices: PRICES })[0]?.prices).toEqual(PRICES);
  });

  test.each([
    [{ ...PRICES, date: '30/11/2026' }, 'prices.date: expected the date the prices were read, as YYYY-MM-DD'],
    [
      { ...PRICES, usd_per_hour: { h200: -1 } },
      'prices.usd_per_hour.h200: expected a price in US dollars per hour of 0 or more',
    ],
    [
      { ...PRICES, usd_per_hour: { h200: 'six' } },
      'prices.usd_per_hour.h200: expected a price in US dollars per hour (a number, e.g. 1.5)',
    ],
    [{ usd_per_hour: {} }, 'prices.date: expected the date the prices were read, as YYYY-MM-DD'],
  ])('a wrong price table %j is an error naming its key path', (prices, issue) => {
    expect(issuesOf({ pipelines: [PIPELINE], prices })).toContain(issue);
  });

  test('check-config refuses a budgeted pipeline whose hardware has no price, naming the key; a configured price will do', () => {
    const h200 = { ...PIPELINE, backend: { type: 'hf-jobs', flavor: 'h200' } };
    expect(issuesOf({ pipelines: [{ ...h200, budget: { monthly_usd: 5 } }] })).toContain(
      `pipelines[0].backend.flavor: a budgeted pipeline needs a price for "h200", which is not in the built-in price table of ${PRICE_TABLE_DATE}: add it to "prices": {"date": "YYYY-MM-DD", "usd_per_hour": {"h200": <USD per hour>}}`,
    );
    // The global budget makes every pipeline budgeted; the flat form names the key without a pipeline index.
    expect(issuesOf({ pipelines: [h200], budget: { monthly_usd: 5 } })[0]).toMatch(
      /^pipelines\[0\]\.backend\.flavor: /,
    );
    expect(issuesOf({ ...h200, budget: { monthly_usd: 5 } })[0]).toMatch(/^backend\.flavor: a budgeted pipeline/);
    expect(parseConfig({ pipelines: [h200] })).toHaveLength(1); // no budget: it trains, its price unknown
    expect(parseConfig({ pipelines: [{ ...h200, budget: { monthly_usd: 5 } }], prices: PRICES })).toHaveLength(1);
  });
});

describe('prices', () => {
  const list = [
    { name: 'a10g-small', prettyName: 'A10G', unitCostUSD: 1 / 60, unitCostMicroUSD: 16667, unitLabel: 'minute' },
    { name: 'odd', unitCostUSD: 1, unitLabel: 'fortnight' },
  ];

  test("a Jobs flavor is priced from the Hub's list, per hour, billed per started minute", () => {
    expect(priceFromJobsList(list, 'a10g-small')).toEqual({
      hardware: 'a10g-small',
      pricePerHour: 1,
      priceSource: 'hub:/api/jobs/hardware',
      billingUnitSeconds: 60,
    });
    expect(priceFromJobsList(list, 'odd')).toBeUndefined(); // a unit we cannot read is no price
    expect(priceFromJobsList(list, 'h200')).toBeUndefined();
  });

  test("a Space's hardware is priced from the dated table, and the run says so", () => {
    expect(priceFromTable('spaces-a100-large', 60)).toEqual({
      hardware: 'spaces-a100-large',
      pricePerHour: 4,
      priceSource: `table:${PRICE_TABLE_DATE}`,
      billingUnitSeconds: 60,
    });
    expect(priceFromTable('spaces-quantum-xl')).toBeUndefined();
  });

  test("the config's dated prices override and extend the built-in table, and the run says config:<date>", () => {
    const prices = { date: '2026-11-30', usd_per_hour: { 'a10g-small': 0.9, h200: 6 } };
    expect(priceFromTable('spaces-a10g-small', 60, prices)).toEqual({
      hardware: 'spaces-a10g-small',
      pricePerHour: 0.9,
      priceSource: 'config:2026-11-30',
      billingUnitSeconds: 60,
    });
    expect(priceFromTable('h200', 60, prices)).toMatchObject({ pricePerHour: 6, priceSource: 'config:2026-11-30' });
    expect(priceFromTable('t4-small', 60, prices)).toMatchObject({
      pricePerHour: 0.4,
      priceSource: `table:${PRICE_TABLE_DATE}`,
    });
  });

  test('a run is billed per started unit', () => {
    const price = { pricePerHour: 1, billingUnitSeconds: 60 };
    expect(costOf(price, 1)).toBe(0.016667);
    expect(costOf(price, 61)).toBe(0.033333);
    expect(costOf(price, 0)).toBe(0);
    expect(costOf({ pricePerHour: 0, billingUnitSeconds: 1 }, 3600)).toBe(0);
    expect(billedSeconds(price, 1)).toBe(60);
    expect(billedSeconds(price, 60)).toBe(60);
    expect(billedSeconds(price, 60.5)).toBe(120);
    expect(billedSeconds(price, 0)).toBe(0);
  });

  test('a training held to per_run_usd may run the whole billing units it pays for, stopped before the next one', () => {
    const minute = { pricePerHour: 1, billingUnitSeconds: 60 }; // $0.016667 a unit
    expect(perRunLimitSeconds(minute, 0.05)).toBe(3 * 60 - 5); // 3 units exactly (not 2.99994 by float)
    expect(perRunLimitSeconds(minute, 0.04)).toBe(2 * 60 - 5); // not 144 s: the third unit would pass $0.04
    expect(perRunLimitSeconds(minute, 0.002)).toBe(55); // one unit at least (an approved run)
    expect(perRunLimitSeconds({ pricePerHour: 3.6, billingUnitSeconds: 1 }, 0.01)).toBe(9.9);
  });
});

describe('the spend ledger', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const request = (runId: string, overrides: Partial<ReserveRequest> = {}): ReserveRequest => ({
    runId,
    pipeline: 'beans',
    estimate: { pricePerHour: 1, billingUnitSeconds: 60, timeoutSeconds: 3600, basis: 'timeout' },
    limits: { monthlyUsd: 2.5 },
    ...overrides,
  });

  test('reservations count against the month until settled; the one that does not fit is refused, with the figures', () => {
    const ledger = new Ledger(emptyLedger());
    expect(ledger.reserve(request('r1'), now)).toMatchObject({ granted: true, month: '2026-12', amountUsd: 1 });
    expect(ledger.reserve(request('r2'), now)).toMatchObject({
      granted: true,
      pipeline: { reservedUsd: 2, leftUsd: 0.5 },
    });
    const refused = ledger.reserve(request('r3'), now);
    expect(refused).toMatchObject({ granted: false, pipeline: { spentUsd: 0, reservedUsd: 2, leftUsd: 0.5 } });
    expect(refused.reason).toContain("the pipeline's monthly_usd");
    // Settling frees the reservation and counts what the run cost.
    expect(
      ledger.settle({ runId: 'r1', pipeline: 'beans', backend: 'hf-jobs', usd: 0.25, seconds: 900 }, now),
    ).toMatchObject({
      counted: true,
      pipeline: { spentUsd: 0.25, reservedUsd: 1 },
    });
    expect(ledger.reserve(request('r3'), now)).toMatchObject({ granted: true });
  });

  test('a retried reservation or settlement is answered as the first, and counts nothing twice', () => {
    const ledger = new Ledger(emptyLedger());
    ledger.reserve(request('r1'), now);
    expect(ledger.reserve(request('r1'), now)).toMatchObject({ granted: true, pipeline: { reservedUsd: 1 } });
    const settle = { runId: 'r1', pipeline: 'beans', backend: 'hf-jobs', usd: 0.5, seconds: 1800 };
    ledger.settle(settle, now);
    expect(ledger.settle(settle, now)).toMatchObject({ counted: false, pipeline: { spentUsd: 0.5, reservedUsd: 0 } });
    expect(ledger.view().totals).toEqual([{ pipeline: 'beans', backend: 'hf-jobs', usd: 0.5 }]);
  });

  test('a global monthly_usd holds over every pipeline; an approved run is reserved over it', () => {
    const ledger = new Ledger(emptyLedger());
    const global = { limits: { globalMonthlyUsd: 1.5 } };
    expect(ledger.reserve(request('a', { ...global, pipeline: 'one' }), now).granted).toBe(true);
    const refused = ledger.reserve(request('b', { ...global, pipeline: 'two' }), now);
    expect(refused).toMatchObject({ granted: false, global: { reservedUsd: 1, leftUsd: 0.5 } });
    expect(refused.reason).toContain('the global monthly_usd');
    expect(ledger.reserve(request('b', { ...global, pipeline: 'two', force: true }), now).granted).toBe(true);
  });

  test('the median estimate takes the last runs once there are three; per_run_usd caps any estimate', () => {
    const ledger = new Ledger(emptyLedger());
    const median = {
      estimate: { pricePerHour: 1, billingUnitSeconds: 1, timeoutSeconds: 7200, basis: 'median' as const },
    };
    expect(ledger.reserve(request('m0', median), now)).toMatchObject({ basis: 'timeout', amountUsd: 2 });
    ledger.settle({ runId: 'm0', pipeline: 'beans', backend: 'hf-jobs', usd: 0, seconds: 600 }, now);
    for (const [id, seconds] of [
      ['m1', 1200],
      ['m2', 360],
    ] as const) {
      ledger.reserve(request(id, median), now);
      ledger.settle({ runId: id, pipeline: 'beans', backend: 'hf-jobs', usd: 0, seconds }, now);
    }
    expect(ledger.reserve(request('m3', median), now)).toMatchObject({
      basis: 'median',
      estimateSeconds: 600,
      amountUsd: 0.166667,
    });
    const capped = { estimate: { ...request('x').estimate, perRunUsd: 0.3 } };
    expect(ledger.reserve(request('m4', capped), now)).toMatchObject({ amountUsd: 0.3 });
  });

  test('release frees the reservations of runs that ended without settling, and nothing else', () => {
    const ledger = new Ledger(emptyLedger());
    ledger.reserve(request('gone'), now);
    ledger.reserve(request('alive'), now);
    ledger.reserve(request('done'), now);
    ledger.settle({ runId: 'done', pipeline: 'beans', backend: 'hf-jobs', usd: 0.5, seconds: 1800 }, now);
    expect(ledger.openRunIds()).toEqual(['gone', 'alive']);
    expect(ledger.release({ runIds: ['gone', 'done', 'unknown', 'gone'] })).toEqual({
      released: [{ runId: 'gone', pipeline: 'beans', amountUsd: 1 }],
    });
    expect(ledger.openRunIds()).toEqual(['alive']);
    expect(ledger.view().months).toEqual([
      { pipeline: 'beans', month: '2026-12', spentUsd: 0.5, reservedUsd: 1, runs: 1 },
    ]);
  });

  test('per_run_usd caps the estimate at the whole billing units it pays for; one unit over it is refused with the figures', () => {
    const ledger = new Ledger(emptyLedger());
    const perRun = (perRunUsd: number) => ({ estimate: { ...request('x').estimate, perRunUsd }, limits: {} });
    // $0.04 pays for two minutes ($0.033333), not 2.4: the run is stopped before the third.
    expect(ledger.reserve(request('w1', perRun(0.04)), now)).toMatchObject({ granted: true, amountUsd: 0.033333 });
    const refused = ledger.reserve(request('w2', perRun(0.002)), now);
    expect(refused).toMatchObject({ granted: false, amountUsd: 0.016667 });
    expect(refused.reason).toBe(
      "one billing unit (60 s at $1/h) costs $0.0167, more than the pipeline's per_run_usd ($0.0020)",
    );
    expect(ledger.view().open).toBe(1);
    // Approved: reserved for the one unit it will be held to.
    expect(ledger.reserve(request('w2', { ...perRun(0.002), force: true }), now)).toMatchObject({
      granted: true,
      amountUsd: 0.016667,
    });
  });
});

test('the cost and the budget figures read in one line each', () => {
  expect(
    costLine({
      usd: 0.016667,
      seconds: 42,
      hardware: 'a10g-small',
      pricePerHour: 1,
      priceSource: 'hub:/api/jobs/hardware',
    }),
  ).toBe('$0.0167: 42 s of a10g-small at $1/h (hub:/api/jobs/hardware)'); // a run settled before billedSeconds
  expect(
    costLine({
      usd: 0.016667,
      seconds: 42,
      billedSeconds: 60,
      hardware: 'a10g-small',
      pricePerHour: 1,
      priceSource: 'hub:/api/jobs/hardware',
    }),
  ).toBe('$0.0167: 60 s billed (42 s run) of a10g-small at $1/h (hub:/api/jobs/hardware)');
  const line = budgetLine({
    month: '2026-12',
    estimateUsd: 2,
    basis: 'timeout',
    estimateSeconds: 7200,
    pricePerHour: 1,
    hardware: 'a10g-small',
    priceSource: 'hub:/api/jobs/hardware',
    decision: 'over-budget',
    reason: 'over',
    pipeline: { spentUsd: 9, reservedUsd: 0, limitUsd: 10, leftUsd: 1 },
  });
  expect(line).toBe(
    'estimate $2.00 (7200 s of a10g-small at $1/h, timeout; hub:/api/jobs/hardware); pipeline 2026-12: $9.00 spent, $0.0000 reserved, $1.00 left of $10.00; over',
  );
});

test("a local run's CPU seconds are its supervisor's children's user and system time (proc(5) cutime and cstime)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'stat-'));
  const stat = join(dir, 'stat');
  // pid (comm with a space) state ppid ... utime stime cutime cstime ...
  writeFileSync(stat, '4242 (node super) S 1 4242 4242 0 -1 4194560 100 0 0 0 12 3 250 75 20 0 1 0 100 0 0\n');
  expect(childrenCpuSeconds(stat)).toBe(3.25);
  expect(childrenCpuSeconds(join(dir, 'missing'))).toBeUndefined();
  expect(childrenCpuSeconds()).toEqual(expect.any(Number)); // this machine's own (Linux)
});

describe('the CLI shows what runs cost and what a pipeline spent this month', () => {
  const cost = {
    usd: 0.016667,
    seconds: 42.5,
    billedSeconds: 60,
    hardware: 'a10g-small',
    pricePerHour: 1,
    priceSource: 'hub:/api/jobs/hardware',
  };
  const summary: RunSummaryView = {
    workflowId: 'retrain:beans:9f2c4e1a',
    runId: 'r',
    status: 'succeeded',
    executionStatus: 'COMPLETED',
    outcome: 'succeeded',
    startedAt: '2026-12-04T10:00:00.000Z',
    endedAt: '2026-12-04T10:05:00.000Z',
    links: {},
    cost,
  };
  const detail: RunDetailView = { ...summary, live: true, metrics: {}, timings: {}, logTail: [] };

  test('runs: a COST column, in dollars; a run without a cost shows -', () => {
    const [header, priced, unpriced] = formatRuns([
      summary,
      { ...summary, workflowId: 'retrain:beans:0', cost: undefined },
    ]).split('\n');
    expect(header).toMatch(/ COST$/);
    expect(priced).toMatch(/ \$0\.0167$/);
    expect(unpriced).toMatch(/ -$/);
  });

  test('show: the cost line with the seconds billed; "price unknown" and why for a run trained without a price', () => {
    expect(formatRun(detail).split('\n')).toContain(
      'cost        $0.0167: 60 s billed (42.5 s run) of a10g-small at $1/h (hub:/api/jobs/hardware)',
    );
    const unknown = { ...detail, cost: undefined, priceUnknown: 'priceRun: backend.flavor: no price for "h200"' };
    expect(formatRun(unknown).split('\n')).toContain(
      'cost        price unknown: priceRun: backend.flavor: no price for "h200"',
    );
    expect(formatRun({ ...detail, cost: undefined })).not.toMatch(/^cost /m);
  });

  test("pipelines: each pipeline's month, spent, reserved and of its monthly_usd", () => {
    const [spec] = parseConfig({ ...PIPELINE, budget: { monthly_usd: 40 } });
    const state: PipelineState = {
      name: spec!.name,
      trained: [],
      superseded: [],
      recent: [],
      attempts: {},
      counters: { updates: 1, duplicates: 0, runsStarted: 2 },
    };
    const view = pipelineFromState(spec!, state, undefined, { namespace: 'default' });
    const spend = { month: '2026-12', spentUsd: 0.033334, reservedUsd: 0.016667, runs: 2, monthlyUsd: 40 };
    expect(formatPipelines([{ ...view, spend }]).split('\n')).toContain(
      '  spent       2026-12: $0.0333 in 2 runs, $0.0167 reserved, of $40.00 (monthly_usd)',
    );
    expect(formatPipelines([{ ...view, spend: { ...spend, reservedUsd: 0, runs: 1, monthlyUsd: undefined } }])).toMatch(
      /spent {7}2026-12: \$0\.0333 in 1 run$/,
    );
    expect(formatPipelines([view])).not.toContain('spent');
  });
});
