/**
 * Turns what Temporal says about runs and pipelines (describe, visibility, memo, search attributes, the
 * `state` and `progress` queries) into the status API's JSON. Pure functions: no Temporal calls here.
 */
import type { WorkflowExecutionInfo, WorkflowExecutionStatusName } from '@temporalio/client';
import type { TrainingCheck } from './training-check';
import { z } from 'zod';
import type { PipelineSpec } from '../../config/config-schema';
import type { PromotionDecision } from '../../registry/promotion';
import { LOG_TAIL_LINES } from '../../backends/types';
import {
  pipelineWorkflowId,
  RetrainDataset,
  RetrainPipeline,
  RetrainRevision,
  RetrainStage,
  STAGES,
  supersededTotal,
  type Delivery,
  type PipelineState,
  type RetrainProgress,
  type RunSummary,
  type Stage,
} from '../../workflows/definitions';
import type {
  DeliveryView,
  LinksView,
  PipelineView,
  PromotionView,
  RunDetailView,
  RunResultView,
  RunStatus,
  RunSummaryView,
} from './api-schemas';

/** What both visibility (list) and describe report about an execution. */
export type ExecutionInfo = Omit<WorkflowExecutionInfo, 'raw'>;

/** Where links to the Temporal Web UI point, when it is known. */
export interface UiLinks {
  temporalUiUrl?: string;
  namespace: string;
}

export function temporalUiLink(ui: UiLinks, workflowId: string): string | undefined {
  if (!ui.temporalUiUrl) return undefined;
  return `${ui.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function runStatusOf(status: WorkflowExecutionStatusName): RunStatus {
  switch (status) {
    case 'COMPLETED':
      return 'succeeded';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'failed';
    default:
      return 'running'; // RUNNING, PAUSED, CONTINUED_AS_NEW (an earlier run of an open workflow)
  }
}

/** The visibility clause for `?status=` (documented in the OpenAPI file). */
export function statusClause(status: RunStatus): string {
  switch (status) {
    case 'running':
      return `ExecutionStatus = 'Running'`;
    case 'succeeded':
      return `ExecutionStatus = 'Completed'`;
    case 'failed':
      return `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated')`;
    case 'cancelled':
      return `ExecutionStatus = 'Canceled'`;
  }
}

/** What RetrainWorkflow upserts into its memo (backend, links, jobId, outcome, ...); anything else is ignored. */
const memoSchema = z.looseObject({
  backend: z.string().optional().catch(undefined),
  jobId: z.string().optional().catch(undefined),
  outcome: z.enum(['succeeded', 'failed', 'cancelled', 'rejected']).optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  /** Set by runs that were evaluated (the numbers are in the run's result). */
  promoted: z.boolean().optional().catch(undefined),
  /** What the run cost (patch 'cost-and-budget'). */
  cost: z
    .strictObject({
      usd: z.number(),
      seconds: z.number(),
      billedSeconds: z.number().optional(),
      hardware: z.string(),
      pricePerHour: z.number(),
      priceSource: z.string(),
    })
    .optional()
    .catch(undefined),
  links: z
    .looseObject({
      job: z.string().optional().catch(undefined),
      model: z.string().optional().catch(undefined),
      discussion: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});
type RunMemo = z.output<typeof memoSchema>;

function memoOf(info: ExecutionInfo): RunMemo {
  const parsed = memoSchema.safeParse(info.memo ?? {});
  return parsed.success ? parsed.data : {};
}

function stageOf(value: string | undefined): Stage | undefined {
  return (STAGES as readonly string[]).includes(value ?? '') ? (value as Stage) : undefined;
}

function links(
  ui: UiLinks,
  workflowId: string,
  from?: { job?: string; model?: string; discussion?: string },
): LinksView {
  return {
    temporal: temporalUiLink(ui, workflowId),
    job: from?.job,
    model: from?.model,
    discussion: from?.discussion,
  };
}

/** One run as visibility (or describe) records it: search attributes and memo, no worker needed. */
export function runSummaryFrom(info: ExecutionInfo, ui: UiLinks): RunSummaryView {
  const sa = info.typedSearchAttributes;
  const memo = memoOf(info);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    pipeline: sa.get(RetrainPipeline),
    dataset: sa.get(RetrainDataset),
    revision: sa.get(RetrainRevision),
    status: runStatusOf(info.status.name),
    executionStatus: info.status.name,
    stage: stageOf(sa.get(RetrainStage)),
    outcome: memo.outcome,
    startedAt: info.startTime.toISOString(),
    endedAt: info.closeTime?.toISOString(),
    jobId: memo.jobId,
    links: links(ui, info.workflowId, memo.links),
    promotion: memo.promoted === undefined ? undefined : verdictOnly(memo.promoted),
    ...(memo.cost ? { cost: memo.cost } : {}),
  };
}

/** The verdict when only the memo's flag is known (the reader replaces it with the recorded one). */
export function verdictOnly(promoted: boolean): PromotionView {
  return { promoted, reason: promoted ? 'promoted' : 'not promoted' };
}

/** Field by field, so the JSON has exactly the keys the OpenAPI schema allows. */
export function promotionView(p: PromotionDecision): PromotionView {
  return {
    promoted: p.promoted,
    reason: p.reason,
    metric: p.metric,
    candidate: p.candidate,
    current: p.current,
    currentRevision: p.currentRevision,
    rows: p.rows,
    sameData: p.sameData,
    interval: p.interval,
    pValue: p.pValue,
    split: p.split,
  };
}

/** One run in detail: the live progress query when it answered, else what describe and the memo say. */
export function runDetailFrom(
  info: ExecutionInfo,
  progress: RetrainProgress | undefined,
  ui: UiLinks,
  note?: string,
  check?: TrainingCheck,
): RunDetailView {
  return withTrainingCheck(runDetail(info, progress, ui, note), check);
}

/** While the job runs, its latest status check (from the pending awaitTraining activity) wins. */
function withTrainingCheck(view: RunDetailView, check: TrainingCheck | undefined): RunDetailView {
  if (!check) return view;
  const status = check.status;
  return {
    ...view,
    polls: (view.polls ?? 0) + check.checks,
    nextCheckAt: check.nextCheckAt,
    lastCheckError: check.error,
    ...(status && {
      backendStatus: status.stage ?? status.state,
      progress: status.progress,
      message: status.message,
      metrics: { ...view.metrics, ...status.metrics },
      logTail: status.logTail ? status.logTail.slice(-LOG_TAIL_LINES) : view.logTail,
      links: { ...view.links, job: status.links.job ?? view.links.job },
    }),
  };
}

function runDetail(
  info: ExecutionInfo,
  progress: RetrainProgress | undefined,
  ui: UiLinks,
  note?: string,
): RunDetailView {
  const summary = runSummaryFrom(info, ui);
  const memo = memoOf(info);
  if (!progress) {
    return {
      ...summary,
      live: false,
      note,
      backend: memo.backend,
      error: memo.error,
      metrics: {},
      timings: {},
      logTail: [],
    };
  }
  return {
    ...summary,
    pipeline: progress.pipeline,
    dataset: progress.dataset,
    revision: progress.revision,
    // The query can run ahead of the search attribute by a moment; the workflow's own view wins.
    stage: progress.stage,
    outcome: progress.outcome ?? summary.outcome,
    jobId: progress.jobId ?? summary.jobId,
    links: links(ui, info.workflowId, { ...memo.links, ...progress.links }),
    live: true,
    backend: progress.backend,
    backendStatus: progress.status,
    progress: progress.progress,
    message: progress.message,
    metrics: { ...progress.metrics },
    timings: { ...progress.timings },
    delivery: progress.delivery && deliveryView(progress.delivery),
    approval: progress.approval && {
      requested: progress.approval.requested,
      decided: progress.approval.decided,
      decision: progress.approval.decision,
      by: progress.approval.by,
      comment: progress.approval.comment,
      ...(progress.approval.checks ? { checks: [...progress.approval.checks] } : {}),
    },
    ...(progress.dataChecks
      ? { dataChecks: progress.dataChecks.map((c) => ({ ...c, examples: [...c.examples] })) }
      : {}),
    ...(progress.dataChecksSkipped ? { dataChecksSkipped: progress.dataChecksSkipped } : {}),
    error: progress.error,
    logTail: [...progress.logTail],
    compensationErrors: progress.compensationErrors,
    announcementErrors: progress.announcementErrors,
    promotion: progress.promotion ? promotionView(progress.promotion) : summary.promotion,
    polls: progress.polls,
    cost: progress.cost ? { ...progress.cost } : summary.cost,
    ...(progress.priceUnknown ? { priceUnknown: progress.priceUnknown } : {}),
    budget: progress.budget && structuredClone(progress.budget),
    ...(progress.deployment ? { deployment: { ...progress.deployment } } : {}),
  };
}

function configured(spec: PipelineSpec): Omit<PipelineView, 'started' | 'live' | 'recent' | 'superseded'> {
  return {
    name: spec.name,
    dataset: spec.input_dataset,
    model: spec.input_model,
    task: spec.task,
    backend: spec.backend.type,
    workflowId: pipelineWorkflowId(spec.name),
    policy: {
      debounceSeconds: spec.debounce_seconds,
      onNewRevision: spec.on_new_revision,
      approval: spec.approval,
    },
  };
}

/** A pipeline that has had no update yet: its configuration and no runs. */
export function pipelineNotStarted(spec: PipelineSpec): PipelineView {
  return {
    ...configured(spec),
    started: false,
    live: false,
    note: 'no update has arrived for this pipeline yet',
    recent: [],
    superseded: [],
  };
}

const resultView = (r: RunSummary): RunResultView => ({
  workflowId: r.workflowId,
  revision: r.revision,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
  outcome: r.outcome,
  message: r.message,
});

/** A pipeline's results with each succeeded run's verdict (looked up by run id). */
export function withVerdicts(
  view: PipelineView,
  verdicts: ReadonlyMap<string, PromotionView | undefined>,
): PipelineView {
  const add = (r: RunResultView): RunResultView => {
    const promotion = r.promotion ?? verdicts.get(r.workflowId);
    return promotion ? { ...r, promotion } : r;
  };
  return { ...view, lastResult: view.lastResult && add(view.lastResult), recent: view.recent.map(add) };
}

/** A pipeline from its `state` query; `active` is its active run as describe sees it (stage, links), if known. */
export function pipelineFromState(
  spec: PipelineSpec,
  state: PipelineState,
  active: RunSummaryView | undefined,
  ui: UiLinks,
): PipelineView {
  return {
    ...configured(spec),
    started: true,
    live: true,
    active: state.active && {
      workflowId: state.active.workflowId,
      revision: state.active.revision,
      startedAt: state.active.startedAt,
      cancelRequested: state.active.cancelRequested,
      stage: active?.stage,
      links: active?.links ?? links(ui, state.active.workflowId),
    },
    waiting: state.waiting && {
      revision: state.waiting.revision,
      since: state.waiting.lastUpdateAt,
      delivery: deliveryView(state.waiting.delivery),
    },
    lastResult: state.lastResult && resultView(state.lastResult),
    recent: [...state.recent].reverse().map(resultView), // newest first
    superseded: [...state.superseded].reverse().map(({ revision, by, at, reason }) => ({ revision, by, at, reason })),
    supersededTotal: supersededTotal(state),
    supersededNotListed: supersededTotal(state) - state.superseded.length,
    counters: {
      updates: state.counters.updates,
      duplicates: state.counters.duplicates,
      runsStarted: state.counters.runsStarted,
    },
  };
}

/** A pipeline whose state query did not answer (no worker?): what visibility knows of its runs, newest first. */
export function pipelineFromVisibility(spec: PipelineSpec, runs: RunSummaryView[], note: string): PipelineView {
  const toResult = (r: RunSummaryView): RunResultView => ({
    workflowId: r.workflowId,
    revision: r.revision ?? '',
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    outcome: r.outcome ?? (r.status === 'running' ? undefined : r.status),
    promotion: r.promotion,
  });
  const running = runs.find((r) => r.status === 'running');
  const closed = runs.filter((r) => r.status !== 'running');
  return {
    ...configured(spec),
    started: true,
    live: false,
    note,
    active: running && {
      workflowId: running.workflowId,
      revision: running.revision ?? '',
      startedAt: running.startedAt,
      stage: running.stage,
      links: running.links,
    },
    lastResult: closed[0] && toResult(closed[0]),
    recent: closed.map(toResult),
    superseded: [],
  };
}

/** Field by field, so the JSON has exactly the keys the OpenAPI schemas allow (JSON drops the undefined ones). */
function deliveryView(d: Delivery): DeliveryView {
  return {
    source: d.source,
    receivedAt: d.receivedAt,
    webhookId: d.webhookId,
    event: d.event && { action: d.event.action, scope: d.event.scope },
    oldSha: d.oldSha,
    newSha: d.newSha,
  };
}
