/**
 * Reads the state of pipelines and runs from Temporal for the status API and page. Every call has a
 * deadline. Queries need a worker: when one does not answer in time the view falls back to describe,
 * visibility, memo and search attributes, and says so (`live: false`).
 */
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { PipelineSpec } from '../../config/config-schema';
import {
  pipelineStateQuery,
  pipelineWorkflowId,
  progressQuery,
  RETRAIN_WORKFLOW,
  type RetrainProgress,
} from '../../workflows/definitions';
import type { PipelineView, RunDetailView, RunsQuery, RunSummaryView } from './api-schemas';
import { NotFoundError } from './api-errors';
import type { LogTailReader } from './log-tails';
import {
  pipelineFromState,
  pipelineFromVisibility,
  pipelineNotStarted,
  runDetailFrom,
  runSummaryFrom,
  statusClause,
  withVerdicts,
  type UiLinks,
} from './run-views';
import type { RunEndings } from './run-endings';
import { withinDeadline } from '../common/temporal-call';
import { pendingTrainingCheck } from './training-check';
import { pipelineSpend, type SpendReader } from './spend-reader';

export interface StatusReaderOptions {
  client: Client;
  pipelines: readonly PipelineSpec[];
  ui: UiLinks;
  /** Deadline of describe and visibility calls. */
  timeoutMs: number;
  /** Deadline of a query (which needs a worker); shorter, since there is a fallback. */
  queryTimeoutMs: number;
  /** How finished runs ended: the verdicts of runs that succeeded. */
  endings: RunEndings;
  /** Reads the log tail of a run that is training; without it the view shows what the run recorded. */
  logTails?: LogTailReader;
  /** Reads the spend ledger: each pipeline's month (`spend`); without it pipelines show none. */
  spend?: SpendReader;
}

const NO_WORKER_NOTE = 'did not answer its query in time (is a worker running?)';

export class StatusReader {
  constructor(private readonly options: StatusReaderOptions) {}

  get pipelines(): readonly PipelineSpec[] {
    return this.options.pipelines;
  }

  async listPipelines(): Promise<PipelineView[]> {
    const [views, ledger] = await Promise.all([
      Promise.all(this.options.pipelines.map((spec) => this.pipeline(spec))),
      this.options.spend?.view(),
    ]);
    if (!ledger) return views;
    return views.map((view, i) => ({ ...view, spend: pipelineSpend(ledger, this.options.pipelines[i]!) }));
  }

  async pipeline(spec: PipelineSpec): Promise<PipelineView> {
    const handle = this.options.client.workflow.getHandle(pipelineWorkflowId(spec.name));
    if (!(await this.describe(handle))) return pipelineNotStarted(spec);
    const state = await this.query(handle, pipelineStateQuery);
    if (!state) {
      // listRuns has each succeeded run's verdict already.
      const { runs } = await this.listRuns({ pipeline: spec.name, limit: 20 });
      return pipelineFromVisibility(
        spec,
        runs,
        `the pipeline ${NO_WORKER_NOTE}: its runs as Temporal's visibility records them`,
      );
    }
    let active: RunSummaryView | undefined;
    if (state.active) {
      const info = await this.describe(this.options.client.workflow.getHandle(state.active.workflowId));
      active = info && runSummaryFrom(info, this.options.ui);
    }
    const view = pipelineFromState(spec, state, active, this.options.ui);
    const results = [...(view.lastResult ? [view.lastResult] : []), ...view.recent];
    const verdicts = await this.options.endings.verdicts(
      results.map((r) => ({ workflowId: r.workflowId, succeeded: r.outcome === 'succeeded' })),
    );
    return withVerdicts(view, verdicts);
  }

  /** RetrainWorkflow runs from visibility, newest first (open runs first). */
  async listRuns(filter: RunsQuery): Promise<{ runs: RunSummaryView[]; query: string }> {
    const clauses = [`WorkflowType = '${RETRAIN_WORKFLOW}'`, `ExecutionStatus != 'ContinuedAsNew'`];
    // Safe to interpolate: the name was checked against the pipeline-name pattern (letters, digits, . _ -).
    if (filter.pipeline) clauses.push(`RetrainPipeline = '${filter.pipeline}'`);
    if (filter.status) clauses.push(statusClause(filter.status));
    // Safe too: the revision was checked to be 4 to 40 hex characters.
    if (filter.revision) {
      clauses.push(
        filter.revision.length === 40
          ? `RetrainRevision = '${filter.revision}'`
          : `RetrainRevision STARTS_WITH '${filter.revision}'`,
      );
    }
    const query = clauses.join(' AND ');
    const { client, timeoutMs, ui } = this.options;
    const listed = await withinDeadline(client, timeoutMs, async () => {
      const out: RunSummaryView[] = [];
      for await (const info of client.workflow.list({ query, pageSize: filter.limit })) {
        out.push(runSummaryFrom(info, ui));
        if (out.length >= filter.limit) break;
      }
      return out;
    });
    const verdicts = await this.options.endings.verdicts(
      listed.map((r) => ({ workflowId: r.workflowId, succeeded: r.status === 'succeeded' })),
    );
    const runs = listed.map((r) => {
      const promotion = verdicts.get(r.workflowId);
      return promotion ? { ...r, promotion } : r;
    });
    return { runs, query };
  }

  async run(workflowId: string): Promise<RunDetailView> {
    const handle = this.options.client.workflow.getHandle(workflowId);
    const info = await this.describeRun(handle);
    const [progress, check] = await Promise.all([
      this.query(handle, progressQuery),
      pendingTrainingCheck(this.options.client, info),
    ]);
    const note = progress ? undefined : `the run ${NO_WORKER_NOTE}: from describe, memo and search attributes`;
    const logTail = check && progress ? await this.logTail(progress) : undefined;
    const view = runDetailFrom(info, progress, this.options.ui, note, check);
    if (logTail) view.logTail = logTail; // each backend keeps the last LOG_TAIL_LINES (logTailOf)
    if (progress?.promotion || view.status !== 'succeeded') return view;
    const promotion = await this.options.endings.verdict(workflowId);
    return promotion ? { ...view, promotion } : view;
  }

  /** The log tail of a run waiting for its job, read now from its backend (checks no longer carry it). */
  private async logTail(progress: RetrainProgress): Promise<string[] | undefined> {
    const spec = this.options.pipelines.find((p) => p.name === progress.pipeline);
    if (!this.options.logTails || !spec || !progress.jobId) return undefined;
    return this.options.logTails(spec, { jobId: progress.jobId, links: progress.links });
  }

  /** A RetrainWorkflow's description; NotFoundError when there is no such run. */
  async describeRun(handle: WorkflowHandle): Promise<WorkflowExecutionDescription> {
    const info = await this.describe(handle);
    if (!info || info.type !== RETRAIN_WORKFLOW) throw new NotFoundError(`unknown run "${handle.workflowId}"`);
    return info;
  }

  /** undefined when the workflow does not exist. */
  private async describe(handle: WorkflowHandle): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await withinDeadline(this.options.client, this.options.timeoutMs, () => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** undefined when the query does not answer in time (no worker) or fails. */
  private async query<T>(handle: WorkflowHandle, query: QueryDefinition<T>): Promise<T | undefined> {
    try {
      return await withinDeadline(this.options.client, this.options.queryTimeoutMs, () => handle.query(query));
    } catch {
      return undefined;
    }
  }
}
