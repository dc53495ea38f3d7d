/**
 * Superseded revisions past the listed hundred (issue 15, defect 4): the pipeline lists the newest hundred and
 * counts them all; the API, the CLI and the status page say how many are no longer listed, instead of
 * showing a shorter list as if it were the whole.
 */
import { parseConfig } from '../../src/config/load-config';
import { formatPipelines } from '../../src/cli/format';
import { pipelineFromState } from '../../src/server/api/run-views';
import { renderStatusPage } from '../../src/server/page/status-page';
import { SUPERSEDED_LISTED, type PipelineState, type SupersededRevision } from '../../src/workflows/definitions';

const [spec] = parseConfig({
  target_namespace: 'acme',
  input_dataset: 'acme/images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: 'images',
});

const sha = (i: number) => i.toString(16).padStart(40, '0');
const superseded = (from: number, count: number): SupersededRevision[] =>
  Array.from({ length: count }, (_, k) => ({
    revision: sha(from + k),
    by: sha(from + k + 1),
    at: new Date(0).toISOString(),
    reason: 'newer-update' as const,
  }));

function state(overrides: Partial<PipelineState>): PipelineState {
  return {
    name: spec!.name,
    trained: [],
    superseded: [],
    recent: [],
    attempts: {},
    counters: { updates: 0, duplicates: 0, runsStarted: 0 },
    ...overrides,
  };
}

const page = (view: ReturnType<typeof pipelineFromState>) =>
  renderStatusPage({
    generatedAt: new Date(0).toISOString(),
    writeApi: false,
    pipelines: [{ view, runs: [], endings: new Map(), approvals: [] }],
  });

test('150 superseded, the newest 100 listed: the API, the CLI and the status page say 50 are not listed', () => {
  const view = pipelineFromState(
    spec!,
    state({ superseded: superseded(50, SUPERSEDED_LISTED), supersededTotal: 150 }),
    undefined,
    { namespace: 'default' },
  );
  expect(view.superseded).toHaveLength(100);
  expect(view.superseded[0]?.revision).toBe(sha(149)); // newest first
  expect(view).toMatchObject({ supersededTotal: 150, supersededNotListed: 50 });

  expect(formatPipelines([view])).toContain(
    `superseded  150 (latest ${sha(149).slice(0, 7)} by ${sha(150).slice(0, 7)}, newer-update); 50 no longer listed`,
  );
  expect(page(view)).toContain('Superseded: 150 in all, 50 of them no longer listed.');
});

test('all listed: nothing said about unlisted ones; a state carried from before the count counts its list', () => {
  const listed = pipelineFromState(spec!, state({ superseded: superseded(0, 3), supersededTotal: 3 }), undefined, {
    namespace: 'default',
  });
  expect(listed).toMatchObject({ supersededTotal: 3, supersededNotListed: 0 });
  expect(formatPipelines([listed])).not.toContain('no longer listed');
  expect(page(listed)).not.toContain('no longer listed');

  const carried = pipelineFromState(spec!, state({ superseded: superseded(0, 100) }), undefined, {
    namespace: 'default',
  });
  expect(carried).toMatchObject({ supersededTotal: 100, supersededNotListed: 0 });
});
