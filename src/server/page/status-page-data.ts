/**
 * What the status page shows, read from Temporal: each pipeline's view, its newest runs and how the closed
 * ones ended, its metric series, and the runs waiting for approval in detail. When Temporal cannot be read,
 * the configuration alone, with the reason.
 */
import type { PipelineView, RunSummaryView, MetricSeriesView } from '../api/api-schemas';
import { approvalRequest, type ApprovalRequest } from './approval-panel';
import { dataReportPanel, type DataReportPanel } from './data-checks-panel';
import { NotFoundError } from '../api/api-errors';
import { buildSeries } from '../api/model-series';
import type { RunEnding, RunEndings } from '../api/run-endings';
import { pipelineNotStarted } from '../api/run-views';
import type { StatusReader } from '../api/status-reader';
import { TemporalUnavailableError } from '../common/temporal-call';
import { ServingRecord, type ServingFile } from '../../registry/serving';

/** Runs read per pipeline: the chart's series (and the newest of them, the table of recent runs). */
export const SERIES_RUNS = 200;

export interface PipelinePage {
  view: PipelineView;
  /** The newest runs, newest first (open runs first). */
  runs: RunSummaryView[];
  /** How the closed ones among `runs` ended, by run id. */
  endings: ReadonlyMap<string, RunEnding>;
  series?: MetricSeriesView;
  approvals: ApprovalRequest[];
  /** Which model serves (pipelines with `deploy`): the registry's serving record. */
  serving?: ServingFile;
  /** The pipeline's `deploy` target, if it has one. */
  deployTarget?: string;
  /** The newest run's data checks. */
  dataReport?: DataReportPanel;
}

export interface StatusPageData {
  pipelines: PipelinePage[];
  /** Set when Temporal could not be read: the page then shows the configuration only. */
  error?: string;
  temporalUiUrl?: string;
  /** Whether the write API is enabled (ADMIN_TOKEN set): the approval buttons say so. */
  writeApi: boolean;
  generatedAt: string;
}

export interface StatusPageSources {
  reader: StatusReader;
  endings: RunEndings;
  temporalUiUrl?: string;
  writeApi: boolean;
  /** The model registry, for which model serves. */
  modelsDir?: string;
}

export async function loadStatusPageData(sources: StatusPageSources): Promise<StatusPageData> {
  try {
    const views = await sources.reader.listPipelines();
    const serving = sources.modelsDir ? new ServingRecord(sources.modelsDir) : undefined;
    const pipelines = await Promise.all(
      views.map(async (view) => ({
        ...(await loadPipeline(sources, view)),
        serving: serving?.read(view.name),
        deployTarget: sources.reader.pipelines.find((p) => p.name === view.name)?.deploy?.type,
      })),
    );
    return { pipelines, temporalUiUrl: sources.temporalUiUrl, writeApi: sources.writeApi, generatedAt: now() };
  } catch (err) {
    if (err instanceof TemporalUnavailableError) return offline(sources, err.message);
    throw err;
  }
}

async function loadPipeline({ reader, endings }: StatusPageSources, view: PipelineView): Promise<PipelinePage> {
  if (!view.started) return { view, runs: [], endings: new Map(), approvals: [] };
  const spec = reader.pipelines.find((p) => p.name === view.name);
  const { runs } = await reader.listRuns({ pipeline: view.name, limit: SERIES_RUNS });
  const ended = await endings.of(runs);
  // The active run's stage comes from describe, which can be ahead of visibility by a moment.
  const waiting = new Set(
    runs.filter((r) => r.status === 'running' && r.stage === 'awaiting-approval').map((r) => r.workflowId),
  );
  if (view.active?.stage === 'awaiting-approval') waiting.add(view.active.workflowId);
  const approvals = await Promise.all(
    [...waiting].map(async (workflowId) => {
      try {
        const run = await reader.run(workflowId);
        return run.status === 'running' && run.stage === 'awaiting-approval' ? approvalRequest(run, spec) : undefined;
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    }),
  );
  const newest = runs[0] && (await reader.run(runs[0].workflowId).catch(() => undefined));
  const dataReport = newest && dataReportPanel(newest);
  return {
    view,
    runs,
    endings: ended,
    series: spec && buildSeries(spec, runs, ended, SERIES_RUNS),
    approvals: approvals.filter((a): a is ApprovalRequest => a !== undefined),
    ...(dataReport ? { dataReport } : {}),
  };
}

/** The configuration only, with the reason the state could not be read. */
export function offline(sources: Omit<StatusPageSources, 'endings'>, error: string): StatusPageData {
  return {
    pipelines: sources.reader.pipelines.map((spec) => ({
      view: { ...pipelineNotStarted(spec), note: undefined },
      runs: [],
      endings: new Map(),
      approvals: [],
    })),
    error,
    temporalUiUrl: sources.temporalUiUrl,
    writeApi: sources.writeApi,
    generatedAt: now(),
  };
}

const now = (): string => new Date().toISOString();
