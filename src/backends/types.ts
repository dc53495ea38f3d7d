import type { Price } from '../budget/cost-math';
import type { PipelineSpec } from '../config/config-schema';

/** Everything a backend needs to know about one run; deterministic, so every retry names the same things. */
export interface RunContext {
  pipeline: PipelineSpec;
  /** The dataset revision being trained (a 40-hex sha for Hub datasets). */
  revision: string;
  /** 1 for the first run of a revision; a retry after a failed run gets a fresh project name. */
  attempt: number;
}

/**
 * The revision's hex digits in the names that identify a run's project at a backend (an AutoTrain Space, a local
 * run folder). A retried step finds what an earlier attempt made by that name, so two revisions must never share
 * one: 48 bits. Seven, a short git SHA, collided once in 5,000 runs of the waiting benchmark (bench/notes.md), and
 * the second run adopted the first one's Space.
 */
export const RUN_NAME_REVISION_DIGITS = 12;

/** `-<RUN_NAME_REVISION_DIGITS of the revision>[-r<attempt>]`: the part of a run name unique per revision and attempt. */
export function runNameSuffix(run: RunContext): string {
  return `-${run.revision.slice(0, RUN_NAME_REVISION_DIGITS)}${run.attempt > 1 ? `-r${run.attempt}` : ''}`;
}

export interface Links {
  /** Where a person can watch the training (AutoTrain Space, Jobs page, ...). */
  job?: string;
  /** The produced model. */
  model?: string;
  /** Our announcement on the Community tab. */
  discussion?: string;
}

/** What createProject reserved or created. Plain JSON: it lands in workflow history. */
export interface ProjectRef {
  projectName: string;
  /** Backend-side id once known (AutoTrain: `<user>/autotrain-<project>`). */
  projectId?: string;
  links: Links;
}

export interface DataRef {
  dataset: string;
  /** The exact commit that will be trained. */
  revision: string;
  /** Backend-specific detail that start needs (splits, column mapping, ...). */
  detail?: Record<string, string>;
}

export interface JobRef {
  jobId: string;
  links: Links;
  /** The model repo the job will push to, when the backend knows it in advance. */
  outputModel?: string;
  /** True when start found a job it had already started (a retried step). */
  reused?: boolean;
}

export type TrainingState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A status carries at most this many of the job's last log lines, and a run keeps as many. */
export const LOG_TAIL_LINES = 20;

/** The last LOG_TAIL_LINES lines of a log's text, blank lines left out. */
export function logTailOf(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-LOG_TAIL_LINES);
}

export interface TrainingStatus {
  state: TrainingState;
  /** The backend's own stage name (e.g. AutoTrain Space `BUILDING`). */
  stage?: string;
  message?: string;
  /** 0..1 when the backend reports it. */
  progress?: number;
  metrics?: Record<string, number>;
  links: Links;
  /** The produced model id, when one was pushed. */
  model?: string;
  /** The last LOG_TAIL_LINES log lines, newest last. */
  logTail?: string[];
}

export function isTerminal(state: TrainingState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** Who to tell when a job ends: the run waiting for it (its workflow id, `retrain:<pipeline>:<revision>`). */
export interface NoticeTarget {
  workflowId: string;
  /** How soon after the end the run should hear of it (it checks this often where nothing tells it). */
  withinMs?: number;
}

/** One training service behind the five steps. Every method is idempotent for the same RunContext. */
export interface TrainingBackend {
  readonly type: string;
  createProject(run: RunContext): Promise<ProjectRef>;
  addData(run: RunContext, project: ProjectRef): Promise<DataRef>;
  /** `notify`: the run to tell when the job ends, where the backend can. */
  start(run: RunContext, project: ProjectRef, data: DataRef, notify?: NoticeTarget): Promise<JobRef>;
  /**
   * The job's status, without its log (see logTail): one check of a waiting run. `fresh`: ask the service itself,
   * not a shared answer (the run was just told the job ended).
   */
  status(run: RunContext, job: JobRef, options?: { fresh?: boolean }): Promise<TrainingStatus>;
  /** The last lines the job printed, read when someone looks (the run view) and once at the end. */
  logTail(run: RunContext, job: JobRef): Promise<string[] | undefined>;
  /**
   * Whether the run waiting for this job (started with `notify`) is told when it ends, so that its periodic
   * check is only a safety net: the local supervisor tells it, AutoTrain does through the Hub's discussion webhook
   * when one is set up, a worker's shared Jobs check does.
   */
  tellsWhenDone(run: RunContext, job: JobRef, notify: NoticeTarget): Promise<boolean>;
  /**
   * The job this run's start made, if any (read-only): for a compensation whose run never learnt the job's id,
   * because the start's answer was lost.
   */
  findJob(run: RunContext, project: ProjectRef): Promise<JobRef | undefined>;
  /** Stop a job that may still be running; a job that already ended is not an error. */
  cancel(run: RunContext, job: JobRef): Promise<void>;
  /** Remove what createProject made, where the pipeline asks for clean-up. */
  cleanup(run: RunContext, project: ProjectRef): Promise<void>;
  /**
   * Whether a job is still running (and may be billing) after it should have been stopped: what to tell people,
   * or undefined when it is stopped or gone. A failure notice states this instead of assuming the stop took.
   */
  stillRunning?(run: RunContext, job: JobRef): Promise<string | undefined>;
  /** What an hour of the run's machine costs, where the backend bills (src/budget/run-price.ts has the others). */
  price?(run: RunContext): Promise<Price>;
  /** The seconds the job ran as the service bills them, where it says (otherwise the run's own clock counts). */
  runSeconds?(run: RunContext, job: JobRef): Promise<number | undefined>;
}

/**
 * A backend made for one pipeline (createBackends): the part of the worker's configuration it needs, and the
 * pipeline's `backend` options, already narrowed to the backend's type.
 */
export abstract class PipelineBackend<Deps, Options> {
  constructor(
    protected readonly deps: Deps,
    protected readonly options: Options,
  ) {}
}
