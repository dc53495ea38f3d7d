/**
 * Names and message types shared by the workflows and their clients (receiver, API, CLI, tests).
 * Types and definitions only: this file is bundled into workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PipelineSpec } from '../config/config-schema';
import type { DataRef, JobRef, Links, ProjectRef, TrainingStatus } from '../backends/types';
import type { PromotionDecision } from '../registry/promotion';
import type { DataCheckResult } from '../datasets/data-report';

export const PIPELINE_WORKFLOW = 'PipelineWorkflow';
export const RETRAIN_WORKFLOW = 'RetrainWorkflow';

export const pipelineWorkflowId = (pipeline: string): string => `pipeline:${pipeline}`;
export const retrainWorkflowId = (pipeline: string, revision: string): string => `retrain:${pipeline}:${revision}`;

export const RetrainPipeline = defineSearchAttributeKey('RetrainPipeline', SearchAttributeType.KEYWORD);
export const RetrainDataset = defineSearchAttributeKey('RetrainDataset', SearchAttributeType.KEYWORD);
export const RetrainRevision = defineSearchAttributeKey('RetrainRevision', SearchAttributeType.KEYWORD);
export const RetrainStage = defineSearchAttributeKey('RetrainStage', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [RetrainPipeline, RetrainDataset, RetrainRevision, RetrainStage] as const;

export const STAGES = [
  'checking-data',
  'created',
  'data-added',
  'awaiting-approval',
  'training',
  'evaluating',
  'publishing',
  'deploying',
  'succeeded',
  'failed',
  'cancelled',
  'compensated',
] as const;
export type Stage = (typeof STAGES)[number];

/** Where an update came from and what the Hub said; kept for the status API ("the triggering delivery"). */
export interface Delivery {
  source: 'webhook' | 'api' | 'cli' | 'watch';
  receivedAt: string;
  webhookId?: string;
  event?: { action: string; scope: string };
  /** main's sha before and after, as the Hub reported them. */
  oldSha?: string | null;
  newSha?: string | null;
  /** When the change itself happened (a watched folder's last edit); debounce counts from it. */
  changedAt?: string;
}

/**
 * Signal payload: "this pipeline's dataset may have a new revision". Bounded facts only (delivery.ts): the
 * configuration from the operator's config.json, a revision (a 40-digit sha or content hash), and the
 * delivery's facts, each string cut (the Hub's delivery id to MAX_DELIVERY_ID_LENGTH); never the payload.
 */
export interface DatasetUpdate {
  /** The pipeline's configuration as the sender knows it; the newest one wins. No secrets. */
  pipeline: PipelineSpec;
  /** The revision the sender saw; undefined means "whatever main is now". */
  revision?: string;
  delivery: Delivery;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'rejected';

export interface RunSummary {
  workflowId: string;
  revision: string;
  startedAt: string;
  endedAt?: string;
  outcome?: RunOutcome;
  message?: string;
}

export interface SupersededRevision {
  revision: string;
  /** The revision that made it pointless. */
  by: string;
  at: string;
  reason: 'newer-update' | 'head-moved' | 'cancelled-running';
}

/** A pipeline's state lists this many superseded revisions, the newest; it counts them all (supersededTotal). */
export const SUPERSEDED_LISTED = 100;

/** Every revision a pipeline has superseded; a state carried from before the count was kept counts its list. */
export const supersededTotal = (state: Pick<PipelineState, 'superseded' | 'supersededTotal'>): number =>
  Math.max(state.supersededTotal ?? 0, state.superseded.length);

export interface PipelineState {
  name: string;
  /** The configuration from the newest update (the receiver's config.json). */
  spec?: PipelineSpec;
  active?: RunSummary & { cancelRequested?: boolean };
  waiting?: { revision?: string; delivery: Delivery; lastUpdateAt: string };
  /** Recently trained revisions (newest last), bounded. */
  trained: string[];
  /** The newest SUPERSEDED_LISTED superseded revisions (oldest first). */
  superseded: SupersededRevision[];
  /** Every revision superseded since the count was kept (issue 15); absent in states carried from before. */
  supersededTotal?: number;
  recent: RunSummary[];
  lastResult?: RunSummary;
  /** Failed attempts per revision, so a retry gets a fresh backend project name. */
  attempts: Record<string, number>;
  counters: { updates: number; duplicates: number; runsStarted: number };
}

export interface PipelineInput {
  name: string;
  carried?: PipelineState;
  /** Continue as new after this many history events (tests lower it). */
  rollAfterEvents?: number;
  /** Continue as new once the history is this many bytes (tests lower it; default 2 MiB). */
  rollAfterBytes?: number;
}

export interface RetrainInput {
  pipeline: PipelineSpec;
  revision: string;
  attempt: number;
  delivery?: Delivery;
  /** Set on runs that older code continued as new while polling (before 'poll-by-retry'). */
  resume?: RetrainCarried;
}

export interface ApprovalDecision {
  by?: string;
  comment?: string;
}

/** The decide Update's argument: approve (true) or reject (false), and who decided. */
export interface ApprovalRequest extends ApprovalDecision {
  approved: boolean;
}

/** What the decide Update returns: the decision the run took. */
export interface ApprovalOutcome {
  decision: 'approved' | 'rejected';
  by?: string;
  comment?: string;
  /** Workflow time the run took it. */
  decidedAt: string;
}

/** A decision the run did not take (a second one, or one sent while it was not waiting), kept in its progress. */
export interface IgnoredDecision {
  decision: 'approved' | 'rejected';
  by?: string;
  at: string;
  reason: string;
}

export interface RetrainProgress {
  pipeline: string;
  dataset: string;
  revision: string;
  backend: string;
  stage: Stage;
  /** The backend's own status while training. */
  status?: string;
  progress?: number;
  message?: string;
  logTail: string[];
  metrics: Record<string, number>;
  links: Links;
  jobId?: string;
  /** ISO time each stage was entered. */
  timings: Partial<Record<Stage, string>>;
  delivery?: Delivery;
  approval?: {
    requested: string;
    decided?: string;
    decision?: 'approved' | 'rejected' | 'timed-out';
    by?: string;
    comment?: string;
    /** The data checks whose findings asked for this approval (their policy is `approve`). */
    checks?: string[];
  };
  /** Approve or reject signals the run did not act on (each also logged); the Update refuses them instead. */
  ignoredDecisions?: IgnoredDecision[];
  outcome?: RunOutcome;
  error?: string;
  /** Compensations that could not complete (each already logged). */
  compensationErrors?: string[];
  /** Announcements or uploads that failed without failing the run (each already logged). */
  announcementErrors?: string[];
  /** The promotion gate's verdict (with both numbers when there are two). */
  promotion?: PromotionDecision;
  polls: number;
  /** trainingEnded notices received (absent until the first). */
  notices?: number;
  /** The deploy of a promoted model (pipelines with `deploy`; patch 'deploy-after-promotion'). */
  deployment?: Deployment;
  /** The data checks of the revision (stage `checking-data`), each under the pipeline's policy. */
  dataChecks?: DataCheckResult[];
  /** Why the data checks did not run (a task they do not know). */
  dataChecksSkipped?: string;
  /** What the run cost, once its training ended (patch 'cost-and-budget'). */
  cost?: RunCost;
  /** A run without a budget whose machine has no price trains anyway, its cost unknown: why. */
  priceUnknown?: string;
  /** The budget check before its job started, and why a training was stopped at per_run_usd. */
  budget?: RunBudget;
}

/** What a run cost: the machine, the seconds billed, its price per hour and where the price came from. */
export interface RunCost {
  usd: number;
  /** The seconds the machine ran (the backend's own count where it keeps one). */
  seconds: number;
  /** `seconds` rounded up to whole billing units: what `usd` is for (absent in runs settled before it was kept). */
  billedSeconds?: number;
  hardware: string;
  pricePerHour: number;
  /** `hub:/api/jobs/hardware` (the Hub's list), `table:<date>` (the dated table in src/budget), or `local`. */
  priceSource: string;
}

/** A month's spend and limit for one scope, as the ledger answered the run's reservation. */
export interface BudgetFigures {
  spentUsd: number;
  reservedUsd: number;
  limitUsd?: number;
  leftUsd?: number;
}

export interface RunBudget {
  /** UTC `YYYY-MM`. */
  month: string;
  estimateUsd: number;
  /** The estimate: price × the timeout, or × the median of the pipeline's last runs. */
  basis: 'timeout' | 'median';
  estimateSeconds: number;
  pricePerHour: number;
  hardware: string;
  priceSource: string;
  /** reserved: within budget; over-budget: held for approval (or failed); approved-over-budget: reserved once approved. */
  decision: 'reserved' | 'over-budget' | 'approved-over-budget';
  reason?: string;
  pipeline: BudgetFigures;
  global?: BudgetFigures;
  perRunUsd?: number;
  /** Why the training was stopped before it passed per_run_usd. */
  stopped?: string;
}

/** A deploy (after a promotion, or a roll-back by hand): where to, what, and how it went. */
export interface Deployment {
  target: 'endpoint' | 'space' | 'local';
  /** The registry's revision (the dataset revision the model was trained on) put in service. */
  revision: string;
  /** On the Hub: the model repo and the exact commit the target was pointed at. */
  repository?: string;
  modelRevision?: string;
  /** deploying -> healthy, or failed (then rolled back when there was something to roll back to). */
  health: 'deploying' | 'healthy' | 'failed';
  /** The target's last state seen (`updating`, `running`, `BUILDING`, ...). */
  state?: string;
  /** The smoke check's answers (input -> label). */
  smoke?: Array<{ input: string; label: string }>;
  error?: string;
  /** What served before, and whether the deploy put it back. */
  previous?: { revision: string; repository?: string; modelRevision?: string };
  rolledBack: boolean;
  rollbackError?: string;
  /** The deploy failed before it changed anything (a missing target, a refused token): the model in service serves on. */
  unchanged?: boolean;
  startedAt: string;
  endedAt?: string;
  /** Who asked for it: a run's workflow id, or the person of a roll-back by hand. */
  by: string;
}

export const ROLLBACK_WORKFLOW = 'RollbackWorkflow';
/** One roll-back by hand at a time per pipeline: a second one while the first runs is refused by its id. */
export const rollbackWorkflowId = (pipeline: string): string => `rollback:${pipeline}`;

export interface RollbackInput {
  pipeline: PipelineSpec;
  /** The registry revision to put back; default: what served before the model that serves now. */
  to?: string;
  by: string;
}
export const deploymentQuery = defineQuery<Deployment | undefined>('deployment');

/** State a RetrainWorkflow carries into its next run when it continues as new. */
export interface RetrainCarried {
  progress: RetrainProgress;
  project?: ProjectRef;
  data?: DataRef;
  /**
   * Set before startProcessing is scheduled: from then on the backend may have a job for this run, even one
   * whose id the run never learns (the start's answer lost, its retries spent), and compensation stops it.
   */
  startRequested?: boolean;
  job?: JobRef;
}

export interface RetrainResult {
  outcome: RunOutcome;
  revision: string;
  jobId?: string;
  links: Links;
  metrics: Record<string, number>;
  message: string;
  promotion?: PromotionDecision;
}

export const datasetUpdatedSignal = defineSignal<[DatasetUpdate]>('datasetUpdated');
export const retrainFinishedSignal = defineSignal<[RunSummary]>('retrainFinished');
export const pipelineStateQuery = defineQuery<PipelineState>('state');

/**
 * The activity that waits for a training job to end: one status check per attempt, failing with
 * STILL_TRAINING (details: the TrainingStatus it saw) while the job runs, so that Temporal's retry policy
 * spaces the checks. Between checks nothing is written to the run's history and no worker holds it.
 */
export const AWAIT_TRAINING_ACTIVITY = 'awaitTraining';
export const STILL_TRAINING = 'StillTraining';

/** What awaitTraining returns: the job's final status, and how many checks it took (its attempt number). */
export interface TrainingEnded extends TrainingStatus {
  checks: number;
}

/**
 * awaitTraining's third argument, from runs that listen for trainingEndedSignal (patch 'training-notice'); runs
 * started before it call the activity without one and are checked every `poll_interval_seconds` as before.
 */
export interface TrainingWait {
  /** The run acts on trainingEndedSignal: where the backend tells of the end, the periodic check is a safety net. */
  listening: boolean;
  /** When the run entered the training stage (workflow time): the checks space out as the training ages. */
  trainingStartedAt: string;
}

/**
 * "This run's training may have ended: check now." Sent by whoever learns of the end first: the local backend's
 * supervisor when its trainer exits, the receiver when AutoTrain's outcome discussion is delivered, a worker's
 * shared Hugging Face Jobs check. It carries nothing, so nothing a sender knows (or gets wrong) reaches the run's
 * history, and no sender needs the payload key. A run waiting for its job answers with one status check at once;
 * the periodic check stays as the safety net for a notice that is lost.
 */
export const trainingEndedSignal = defineSignal('trainingEnded');
/** A run acts on this many notices at most (each costs a few history events); later ones are only counted. */
export const MAX_TRAINING_NOTICES = 20;

/**
 * Approve or reject a run that waits for approval. Its validator refuses (ApplicationFailure of type
 * APPROVAL_REFUSED, which the client sees as WorkflowUpdateFailedError) unless the run is awaiting approval
 * and undecided, so a decision is taken at most once and never races the run's stage; it returns the
 * decision taken. The API and the CLI decide through it.
 */
export const decideUpdate = defineUpdate<ApprovalOutcome, [ApprovalRequest]>('decide');
export const APPROVAL_REFUSED = 'ApprovalRefused';

/**
 * The original approval signals, kept so runs and clients from before decideUpdate still work. The first
 * decision wins; a later one (or one sent after the wait) is logged and kept in `ignoredDecisions`.
 */
export const approveSignal = defineSignal<[ApprovalDecision?]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision?]>('reject');
export const progressQuery = defineQuery<RetrainProgress>('progress');
