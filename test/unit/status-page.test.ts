/**
 * The status page's pure parts: the HTML it renders (escaping, no inline handlers or styles, approval buttons
 * with and without the write API), the metric series and its chart (up to 200 runs), and each run's verdict.
 */
import { parseConfig } from '../../src/config/load-config';
import type { PipelineSpec } from '../../src/config/config-schema';
import type { RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';
import { approvalRequest, untilText } from '../../src/server/page/approval-panel';
import { renderMetricChart, ticks } from '../../src/server/page/metric-chart';
import { buildSeries } from '../../src/server/api/model-series';
import type { RunEnding } from '../../src/server/api/run-endings';
import { runVerdict } from '../../src/server/page/run-verdict';
import { pipelineNotStarted } from '../../src/server/api/run-views';
import { renderStatusPage, type StatusPageData } from '../../src/server/page/status-page';

function spec(extra: Record<string, unknown> = {}): PipelineSpec {
  const [parsed] = parseConfig({
    pipelines: [
      {
        name: 'images',
        target_namespace: 'acme',
        input_dataset: 'acme/images',
        input_model: 'microsoft/resnet-50',
        ...extra,
      },
    ],
  });
  return parsed!;
}

const gated = spec({ promotion: { metric: 'accuracy', direction: 'max', min_delta: 0.01 }, approval: 'required' });
const sha = (i: number): string => i.toString(16).padStart(40, 'a');
const at = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();

function run(i: number, overrides: Partial<RunSummaryView> = {}): RunSummaryView {
  return {
    workflowId: `retrain:images:${sha(i)}`,
    runId: `run-${i}`,
    pipeline: 'images',
    revision: sha(i),
    status: 'succeeded',
    executionStatus: 'COMPLETED',
    stage: 'succeeded',
    outcome: 'succeeded',
    startedAt: at(i),
    endedAt: new Date(Date.parse(at(i)) + 60_000).toISOString(),
    links: {},
    ...overrides,
  };
}

/** Endings of a gated history: each value against the model in service before it. */
function history(values: number[], minDelta = 0.01): { runs: RunSummaryView[]; endings: Map<string, RunEnding> } {
  const endings = new Map<string, RunEnding>();
  let service: { revision: string; value: number } | undefined;
  const runs = values.map((value, i) => {
    const r = run(i);
    const promoted = !service || value - service.value > minDelta;
    endings.set(r.runId, {
      kind: 'succeeded',
      metrics: { accuracy: value },
      promotion: {
        promoted,
        reason: promoted ? 'promoted' : 'not promoted',
        metric: 'accuracy',
        candidate: value,
        current: service?.value,
        currentRevision: service?.revision,
      },
    });
    if (promoted) service = { revision: r.revision!, value };
    return r;
  });
  return { runs: runs.reverse(), endings }; // visibility lists newest first
}

function page(overrides: Partial<StatusPageData> = {}, pipeline: Partial<StatusPageData['pipelines'][number]> = {}) {
  const { runs, endings } = history([0.8, 0.85, 0.855]);
  return renderStatusPage(
    {
      generatedAt: at(10),
      writeApi: true,
      pipelines: [
        {
          view: { ...pipelineNotStarted(gated), started: true, note: undefined },
          runs,
          endings,
          series: buildSeries(gated, runs, endings, 200),
          approvals: [],
          ...pipeline,
        },
      ],
      ...overrides,
    },
    'n0nce',
  );
}

const waitingRun: RunDetailView = {
  ...run(7, { status: 'running', executionStatus: 'RUNNING', stage: 'awaiting-approval', outcome: undefined }),
  endedAt: undefined,
  dataset: 'acme/images',
  live: true,
  metrics: {},
  timings: { 'awaiting-approval': at(7) },
  logTail: [],
  approval: { requested: at(7) },
  delivery: { source: 'webhook', receivedAt: at(7), webhookId: 'wh-1', oldSha: sha(6), newSha: sha(7) },
};

describe('the page', () => {
  test('every value is escaped, and only http(s) URLs become links', () => {
    const view = { ...pipelineNotStarted(gated), model: '<script>alert(1)</script>', started: true };
    const evil = run(1, {
      workflowId: 'retrain:images:"><img src=x onerror=alert(2)>',
      revision: '<b>rev</b>',
      status: 'running',
      stage: 'training',
      links: { job: 'javascript:alert(3)', model: 'https://huggingface.co/acme/m?a=1&b=<2>' },
    });
    const html = page(
      {},
      {
        view,
        runs: [evil],
        endings: new Map(),
        series: undefined,
        approvals: [approvalRequest({ ...waitingRun, workflowId: evil.workflowId, revision: '<i>x</i>' }, gated)],
      },
    );
    const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
    expect(main).not.toContain('<script>');
    expect(main).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(main).not.toContain('<img');
    expect(main).not.toContain('<b>rev');
    expect(main).not.toContain('<i>x');
    expect(main).not.toContain('href="javascript:');
    expect(main).toContain('href="https://huggingface.co/acme/m?a=1&amp;b=&lt;2&gt;"');
  });

  test('the CSP stays strict: one nonced script and style, no inline handlers, no style attributes', () => {
    const html = page({}, { approvals: [approvalRequest(waitingRun, gated)] });
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script nonce="n0nce">');
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  test('a waiting run shows what would be trained, who asked, since and until when, with keyboard-usable buttons', () => {
    const html = page({}, { approvals: [approvalRequest(waitingRun, gated)] });
    const panel = html.slice(
      html.indexOf('<section class="approval"'),
      html.indexOf('</section>', html.indexOf('<section class="approval"')),
    );
    for (const fact of [
      sha(7),
      'acme/images',
      'microsoft/resnet-50',
      'a Hub webhook (wh-1)',
      `main moved ${sha(6).slice(0, 7)}`,
    ])
      expect(panel).toContain(fact);
    // approval_timeout defaults to 7 days
    expect(panel).toContain(
      new Date(Date.parse(at(7)) + 7 * 86_400_000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
    );
    expect(panel).toMatch(/<button type="button" id="approve-[^"]+" class="approve" data-decide="approve"/);
    expect(panel).toMatch(/<button type="button" id="reject-[^"]+" class="reject" data-decide="reject"/);
    expect(panel).toContain('<label for="comment-retrain:images:');
    expect(panel).not.toContain('disabled');
    expect(html).toContain('<dialog id="token-dialog"');
    expect(html).toContain('data-write-api="enabled"');
  });

  test('without ADMIN_TOKEN the buttons are disabled and say that the write API is disabled', () => {
    const html = page({ writeApi: false }, { approvals: [approvalRequest(waitingRun, gated)] });
    expect(html).toContain('data-write-api="disabled"');
    expect(
      html.match(/data-decide="[a-z]+" data-workflow-id="[^"]+" disabled aria-describedby="write-off-/g),
    ).toHaveLength(2);
    expect(html).toContain('The write API is disabled: set ADMIN_TOKEN on the receiver');
    expect(html).not.toContain('<dialog');
  });

  test('every run row says its verdict, and the last result says whether its model was put in service', () => {
    const html = page();
    expect(html).toContain(`not promoted: accuracy 0.8550 vs 0.8500 in service (${sha(1).slice(0, 7)})`);
    expect(html).toContain(`promoted: accuracy 0.8500 vs 0.8000 in service (${sha(0).slice(0, 7)})`);
    expect(html).toContain('promoted: accuracy 0.8000, the first model');
  });

  test('an offline page (Temporal unreachable) renders the configuration and the reason', () => {
    const html = page({ error: 'Temporal is not reachable' }, { runs: [], endings: new Map(), series: undefined });
    expect(html).toContain('<p class="error">Temporal: Temporal is not reachable</p>');
    expect(html).toContain('no runs yet');
  });

  test('the deadline reads as a duration', () => {
    const now = Date.parse(at(0));
    expect(untilText(at(0), now)).toBe('now');
    expect(untilText(new Date(now + 25 * 60_000).toISOString(), now)).toBe('25 min');
    expect(untilText(new Date(now + 26 * 3_600_000).toISOString(), now)).toBe('26 h 0 min');
    expect(untilText(new Date(now + 7 * 86_400_000).toISOString(), now)).toBe('7 d 0 h');
  });
});

describe('the metric series', () => {
  test('oldest first, with baseline and verdict; the newest promoted model is in service; the bar adds min_delta', () => {
    const { runs, endings } = history([0.8, 0.85, 0.855, 0.7]);
    const series = buildSeries(gated, runs, endings, 200);
    expect(series.points.map((p) => [p.value, p.baseline, p.verdict, p.inService])).toEqual([
      [0.8, undefined, 'promoted', false],
      [0.85, 0.8, 'promoted', true],
      [0.855, 0.85, 'not-promoted', false],
      [0.7, 0.85, 'not-promoted', false],
    ]);
    expect(series).toMatchObject({
      metric: 'accuracy',
      direction: 'max',
      gate: true,
      minDelta: 0.01,
      truncated: false,
    });
    expect(series.inService).toEqual({ workflowId: runs[2]!.workflowId, revision: sha(1), value: 0.85 });
    expect(series.threshold).toBeCloseTo(0.86);
  });

  test('runs that trained no model are not points; a pipeline without a gate is judged on accuracy, with no bar', () => {
    const plain = spec();
    const ok = run(1);
    const failed = run(2, { status: 'failed', outcome: 'failed' });
    const open = run(3, { status: 'running', endedAt: undefined });
    const endings = new Map<string, RunEnding>([
      [ok.runId, { kind: 'succeeded', metrics: { accuracy: 0.9 }, promotion: { promoted: true, reason: 'no gate' } }],
      [failed.runId, { kind: 'failed', metrics: {}, message: 'boom' }],
    ]);
    const series = buildSeries(plain, [open, failed, ok], endings, 3);
    expect(series.points).toHaveLength(1);
    expect(series).toMatchObject({ metric: 'accuracy', gate: false, truncated: true, runsRead: 3 });
    expect(series.threshold).toBeUndefined();
    expect(series.points[0]).toMatchObject({ value: 0.9, verdict: 'promoted', inService: true });
  });

  test('direction min: lower is better, and the bar is below the model in service', () => {
    const loss = spec({ promotion: { metric: 'loss', direction: 'min', min_delta: 0.05 } });
    const r = run(1);
    const endings = new Map<string, RunEnding>([
      [
        r.runId,
        {
          kind: 'succeeded',
          metrics: { loss: 0.4 },
          promotion: { promoted: true, reason: 'first', metric: 'loss', candidate: 0.4 },
        },
      ],
    ]);
    const series = buildSeries(loss, [r], endings, 200);
    expect(series.threshold).toBeCloseTo(0.35);
    expect(renderMetricChart(series, 'c')).toContain('(lower is better)');
  });

  test('the chart stays readable at 200 runs: one mark per model, few axis labels, the model in service ringed', () => {
    const values = Array.from({ length: 200 }, (_, i) => 0.6 + 0.3 * (i / 200) + (i % 7 === 0 ? 0.02 : -0.01));
    const { runs, endings } = history(values);
    const series = buildSeries(gated, runs, endings, 200);
    const svg = renderMetricChart(series, 'chart-images');
    expect(svg.match(/<g class="point"/g)).toHaveLength(200);
    const promoted = series.points.filter((p) => p.verdict === 'promoted').length;
    expect(promoted).toBeGreaterThan(1);
    expect(svg.match(/<path class="pt promoted"/g)).toHaveLength(promoted);
    expect(svg.match(/<circle class="in-service"/g)).toHaveLength(1);
    expect(svg.match(/data-in-service="true"/g)).toHaveLength(1);
    expect(svg).toContain('<path class="threshold"');
    expect(svg).toContain('to beat ');
    expect(svg.match(/class="tick date"/g)!.length).toBeLessThanOrEqual(6);
    expect(svg).toMatch(
      /<svg class="chart-svg" viewBox="0 0 760 240" role="img" aria-labelledby="chart-images-title chart-images-desc"/,
    );
    expect(svg.match(/<tr data-revision=/g)).toHaveLength(200);
    expect(svg.length).toBeLessThan(200_000);
  });

  test('both models per run: the model in service as re-measured on each run rows is drawn beside it (issue 23)', () => {
    const first = run(0);
    const second = run(1);
    const third = run(2);
    const same = (candidate: number, current: number, pValue: number) => ({
      promoted: false,
      reason: 'not promoted',
      metric: 'accuracy',
      candidate,
      current,
      currentRevision: sha(0),
      rows: 280,
      sameData: true,
      pValue,
    });
    const endings = new Map<string, RunEnding>([
      [
        first.runId,
        {
          kind: 'succeeded',
          metrics: { accuracy: 0.83 },
          promotion: { promoted: true, reason: 'first', metric: 'accuracy', candidate: 0.83, rows: 200 },
        },
      ],
      // The data got harder for both: each new model and the one in service fall together.
      [second.runId, { kind: 'succeeded', metrics: { accuracy: 0.7 }, promotion: same(0.6, 0.6, 1) }],
      [
        third.runId,
        {
          kind: 'succeeded',
          metrics: { accuracy: 0.9 },
          promotion: { ...same(0.61, 0.83, 0.002), sameData: false, rows: 50, pValue: undefined },
        },
      ],
    ]);
    const series = buildSeries(gated, [third, second, first], endings, 200);
    // The value the gate judged (on the shared rows), not the run's own number on its evaluation split.
    expect(series.points.map((p) => [p.value, p.baseline, p.sameData, p.rows])).toEqual([
      [0.83, undefined, undefined, 200],
      [0.6, 0.6, true, 280],
      [0.61, 0.83, false, 50],
    ]);
    const html = renderMetricChart(series, 'c');
    expect(html.match(/<path class="pt current-remeasured"/g)).toHaveLength(1); // only the one measured on the same rows
    expect(html).toContain('the model in service, measured on the same rows');
    expect(html).toContain('(same 280 rows, p = 1.000)');
    expect(html).toContain('(recorded, other data)');
    expect(runVerdict(second, endings.get(second.runId), [], 'accuracy').text).toBe(
      `not promoted: accuracy 0.6000 vs 0.6000 in service (${sha(0).slice(0, 7)}) on the same 280 rows, p = 1.000`,
    );
    expect(runVerdict(third, endings.get(third.runId), [], 'accuracy').text).toContain(', measured on other data');
  });

  test('one model, or none that reported the metric, still renders', () => {
    const { runs, endings } = history([0.5]);
    expect(renderMetricChart(buildSeries(gated, runs, endings, 200), 'c')).toContain('<g class="point"');
    const none = new Map<string, RunEnding>([[runs[0]!.runId, { kind: 'succeeded', metrics: {} }]]);
    expect(renderMetricChart(buildSeries(gated, runs, none, 200), 'c')).toContain('No run reported accuracy');
    expect(renderMetricChart(buildSeries(gated, [], new Map(), 200), 'c')).toContain('No trained model yet');
  });

  test('axis ticks are round numbers that cover the values', () => {
    expect(ticks(0.8, 0.855).values).toEqual([0.8, 0.82, 0.84, 0.86]);
    expect(ticks(0.5, 0.5).values[0]).toBeLessThan(0.5);
    const wide = ticks(3, 970);
    expect(wide.values[0]).toBeLessThanOrEqual(3);
    expect(wide.values[wide.values.length - 1]).toBeGreaterThanOrEqual(970);
    expect(wide.decimals).toBe(0);
  });
});

describe('the verdict of a run', () => {
  const ended = (ending: RunEnding, r = run(1)) => runVerdict(r, ending, [], 'accuracy');

  test('promoted / not promoted with both numbers', () => {
    expect(
      ended({
        kind: 'succeeded',
        metrics: { accuracy: 0.7 },
        promotion: {
          promoted: false,
          reason: 'r',
          metric: 'accuracy',
          candidate: 0.7,
          current: 0.9,
          currentRevision: sha(3),
        },
      }),
    ).toEqual({
      kind: 'not-promoted',
      text: `not promoted: accuracy 0.7000 vs 0.9000 in service (${sha(3).slice(0, 7)})`,
      detail: 'r',
    });
    expect(
      ended({ kind: 'succeeded', metrics: { accuracy: 1 }, promotion: { promoted: true, reason: 'no gate' } }).text,
    ).toBe('promoted: accuracy 1 (no gate)');
  });

  test('failed with the short reason, rejected, superseded by which revision, or the stage it is at', () => {
    const long = `the trainer exited with code 3: ${'x'.repeat(300)}\nsecond line`;
    const failed = ended({ kind: 'failed', metrics: {}, message: long });
    expect(failed.kind).toBe('failed');
    expect(failed.text.length).toBeLessThanOrEqual(150);
    expect(failed.text).toMatch(/^failed: the trainer exited with code 3: x+…$/);
    expect(failed.detail).toBe(long);
    expect(ended({ kind: 'rejected', metrics: {}, message: 'training was rejected by alice' }).text).toBe(
      'rejected: by alice',
    );
    const cancelled = run(2, { status: 'cancelled' });
    expect(
      runVerdict(
        cancelled,
        { kind: 'cancelled', metrics: {} },
        [{ revision: sha(2), by: sha(9), at: at(2), reason: 'cancelled-running' }],
        'accuracy',
      ).text,
    ).toBe(`superseded by ${sha(9).slice(0, 7)} (cancelled)`);
    expect(runVerdict(cancelled, { kind: 'cancelled', metrics: {} }, [], 'accuracy').text).toBe('cancelled');
    expect(runVerdict(run(3, { status: 'running', stage: 'awaiting-approval' }), undefined, [], 'accuracy').text).toBe(
      'awaiting approval',
    );
  });
});
