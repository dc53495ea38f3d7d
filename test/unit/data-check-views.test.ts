/**
 * The data report where people read it: `data_checks` in config.json, the policies applied to what the checks found,
 * the announcement's table, `show`'s lines, and the status page's panel.
 */
import { renderAnnouncement, type Announcement } from '../../src/activities/announcements';
import { formatRun } from '../../src/cli/format';
import { DATA_CHECK_NAMES } from '../../src/config/data-checks';
import { ConfigError, parseConfig } from '../../src/config/load-config';
import { CHECK_NAMES } from '../../trainers/check/findings';
import { judge, verdict, type DataCheckResult } from '../../src/datasets/data-report';
import type { RunDetailView } from '../../src/server/api/api-schemas';
import { approvalRequest, renderApproval } from '../../src/server/page/approval-panel';
import { renderDataReport } from '../../src/server/page/data-checks-panel';

const ORIGINAL = {
  target_namespace: 'acme',
  input_dataset: 'acme/tickets',
  input_model: 'distilbert-base-uncased',
  task: 'text-classification',
};

const leakage: DataCheckResult = {
  check: 'leakage',
  status: 'warn',
  count: 30,
  examples: ['validation.csv:2: "great product" is also in train'],
  detail: 'validation or test rows whose input is also in train',
  policy: 'warn',
};
const unseen: DataCheckResult = {
  check: 'unseen_labels',
  status: 'fail',
  count: 1,
  examples: ['refund (validation.csv:12)'],
  detail: 'labels in validation or test that no train row has',
  policy: 'fail',
};

test('data_checks: every check has a default policy; a wrong policy or an unknown check names the key path', () => {
  const [spec] = parseConfig(ORIGINAL);
  expect(spec!.data_checks).toMatchObject({
    schema: 'fail',
    unseen_labels: 'fail',
    leakage: 'warn',
    min_rows_per_class: 5,
  });
  const [custom] = parseConfig({ ...ORIGINAL, data_checks: { leakage: 'approve', min_rows_per_class: 20 } });
  expect(custom!.data_checks).toMatchObject({ leakage: 'approve', unseen_labels: 'fail', min_rows_per_class: 20 });

  const issues = (raw: unknown): string[] => {
    try {
      parseConfig(raw);
      return [];
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  expect(issues({ ...ORIGINAL, data_checks: { leakage: 'ignore' } })).toEqual([
    'data_checks.leakage: expected "fail", "approve" or "warn"',
  ]);
  expect(issues({ ...ORIGINAL, data_checks: { leakge: 'warn' } })).toEqual([
    'data_checks.leakge: unknown key; did you mean "leakage"?',
  ]);
});

test("the service's check names are the checker's (two packages: the service cannot import the trainers)", () => {
  expect([...DATA_CHECK_NAMES]).toEqual([...CHECK_NAMES]);
});

test('a policy turns a finding into pass, warn or fail; a check that could not run is treated by its policy too', () => {
  const finding = { check: 'leakage' as const, count: 0, examples: [], detail: '' };
  expect(judge(finding, 'fail').status).toBe('pass');
  expect(judge({ ...finding, count: 3 }, 'fail').status).toBe('fail');
  expect(judge({ ...finding, count: 3 }, 'approve')).toMatchObject({ status: 'warn', policy: 'approve' });
  expect(judge({ ...finding, error: 'the data checks could not run: timed out' }, 'fail').status).toBe('fail');
  const approve = { ...leakage, policy: 'approve' as const };
  expect(verdict([leakage, unseen, approve])).toEqual({ failed: [unseen], toApprove: [approve] });
});

test('an announcement lists what the checks found, with how to fix it; one where all passed says nothing of them', () => {
  const [pipeline] = parseConfig(ORIGINAL);
  const announcement: Announcement = {
    kind: 'failed',
    pipeline: pipeline!,
    revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
    workflowId: 'retrain:tickets:9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
    links: {},
    metrics: {},
    stage: 'failed',
    error: 'the data checks failed: unseen_labels: 1 (refund (validation.csv:12))',
    dataChecks: [unseen, { ...leakage, examples: ['a | pipe in a row'] }],
  };
  const { description } = renderAnnouncement(announcement, { hubUrl: 'https://huggingface.co', namespace: 'default' });
  expect(description).toContain(
    '| `unseen_labels` | ❌ fail | 1 | refund (validation.csv:12) | add train rows for these labels, or remove them from validation and test |',
  );
  expect(description).toContain('| `leakage` | ⚠️ warn | 30 | a \\| pipe in a row |');
  const passed = renderAnnouncement({ ...announcement, dataChecks: [] }, { hubUrl: 'x', namespace: 'default' });
  expect(passed.description).not.toContain('Data checks');
});

const run: RunDetailView = {
  workflowId: 'retrain:tickets:9f2c4e1a',
  runId: 'r',
  revision: '9f2c4e1a7b3d',
  status: 'running',
  executionStatus: 'RUNNING',
  stage: 'awaiting-approval',
  startedAt: '2026-12-04T10:00:00.000Z',
  links: {},
  live: true,
  metrics: {},
  timings: {},
  logTail: [],
  dataChecks: [
    { ...leakage, status: 'warn', policy: 'approve' },
    { ...unseen, status: 'pass', count: 0, examples: [] },
  ],
};

test('show prints a line for each check that found something, with its first example', () => {
  const lines = formatRun(run).split('\n');
  expect(lines).toContain('data checks 1 of 2 passed');
  expect(lines).toContain('  approve leakage 30: validation.csv:2: "great product" is also in train');
  expect(
    formatRun({ ...run, dataChecks: [], dataChecksSkipped: 'the data checks know text-classification' }),
  ).toContain('data checks not run: the data checks know text-classification');
});

test("the status page's panel shows every check, escaped", () => {
  const html = renderDataReport({
    workflowId: run.workflowId,
    revision: run.revision!,
    checks: [{ ...leakage, examples: ['<script>x</script>'] }, unseen],
  });
  expect(html).toContain('Data checks of <code>9f2c4e1</code>');
  expect(html).toContain('0 of 2 passed');
  expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
  expect(html).not.toContain('<script>x');
  expect(html).toMatch(/<tr class="check-fail"><th scope="row"><code>unseen_labels<\/code>/);
});

test("a run waiting because of its data shows, in the page's approval panel, the checks that asked", () => {
  const [spec] = parseConfig(ORIGINAL);
  const waiting = { ...run, approval: { requested: '2026-12-04T10:00:01.000Z', checks: ['leakage'] } };
  const request = approvalRequest(waiting, spec);
  expect(request.dataChecks?.map((c) => c.check)).toEqual(['leakage']);
  const html = renderApproval(request, true, Date.parse('2026-12-04T10:05:00Z'));
  expect(html).toContain('The data checks ask a person to look first');
  expect(html).toMatch(/<code>leakage<\/code><\/th><td>⏸ approve<\/td><td>30<\/td>/);
  expect(renderApproval(approvalRequest({ ...run, approval: undefined }, spec), true, 0)).not.toContain('data checks');
});
