/**
 * RetrainWorkflow: one training run of one pipeline on one dataset revision.
 * createProject -> addData -> [approval] -> startProcessing -> pollStatus -> notify, with compensation
 * (stop the job, clean up, announce the failure) in a non-cancellable scope on failure or cancellation.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrainingStatus } from '../backends/types';
import {
  approveSignal,
  LOG_TAIL_LINES,
  progressQuery,
  rejectSignal,
  RetrainStage,
  type RetrainCarried,
  type RetrainInput,
  type RetrainProgress,
  type RetrainResult,
  type RunOutcome,
  type Stage,
} from './definitions';
import { describe } from './announcement';
import { announce } from './retrain-announce';
import { compensate, notifyParent } from './retrain-saga';
import { pollActivities, stepActivities, trainingWait } from './retrain-activities';

/** Continue as new while polling well before the history gets heavy (Temporal's hard limit is 51,200 events). */
const MAX_HISTORY_EVENTS = 4_000;
const FIRST_POLL_DELAY_SECONDS = 5;
/**
 * Runs that reach the training wait with this patch wait in one retried activity (awaitTraining);
 * runs that started waiting before it keep polling with timers (pollUntilDone).
 */
const POLL_BY_RETRY = 'poll-by-retry';

export async function RetrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const { pipeline, revision } = input;
  const run = { pipeline, revision, attempt: input.attempt };
  const carried: RetrainCarried = input.resume ?? { progress: initialProgress(input) };
  const progress = carried.progress;
  let decision: { approved: boolean; by?: string } | undefined;

  setHandler(progressQuery, () => progress);
  setHandler(approveSignal, (d) => {
    decision ??= { approved: true, by: d?.by };
  });
  setHandler(rejectSignal, (d) => {
    decision ??= { approved: false, by: d?.by };
  });

  const enterStage = (stage: Stage): void => {
    progress.stage = stage;
    progress.timings[stage] = new Date().toISOString();
    upsertSearchAttributes([{ key: RetrainStage, value: stage }]);
    // A log line, not a command: what a person at the terminal follows (`event` keeps it in the quiet log).
    log.info(`stage: ${stage}`, { event: 'stage', stage });
  };

  try {
    if (!carried.project) {
      enterStage('created');
      carried.project = await step(() => stepActivities.createProject(run));
      Object.assign(progress.links, carried.project.links);
      upsertMemo({ links: progress.links, projectName: carried.project.projectName });
    }
    if (!carried.data) {
      carried.data = await step(() => stepActivities.addData(run, carried.project!));
      enterStage('data-added');
    }
    if (pipeline.approval === 'required' && !carried.job) {
      enterStage('awaiting-approval');
      progress.approval = { requested: new Date().toISOString() };
      await announce(input, progress, 'approval-request', stepActivities, true);
      const decided = await condition(() => decision !== undefined, pipeline.approval_timeout * 1000);
      progress.approval.decided = new Date().toISOString();
      progress.approval.by = decision?.by;
      progress.approval.decision = !decided ? 'timed-out' : decision?.approved ? 'approved' : 'rejected';
      if (progress.approval.decision !== 'approved') {
        progress.outcome = 'rejected';
        throw ApplicationFailure.nonRetryable(
          decided ? `training was rejected${decision?.by ? ` by ${decision.by}` : ''}` : 'approval timed out',
          'Rejected',
        );
      }
    }
    if (!carried.job) {
      carried.job = await step(() => stepActivities.startProcessing(run, carried.project!, carried.data!));
      progress.jobId = carried.job.jobId;
      Object.assign(progress.links, carried.job.links);
      upsertMemo({ jobId: carried.job.jobId, links: progress.links });
      enterStage('training');
    }

    const final = patched(POLL_BY_RETRY) ? await awaitTraining(input, carried) : await pollUntilDone(input, carried);
    if (final.state !== 'succeeded') {
      progress.outcome = final.state === 'cancelled' ? 'cancelled' : 'failed';
      throw ApplicationFailure.nonRetryable(
        `training ${final.state === 'cancelled' ? 'was cancelled at the backend' : 'failed'}${final.message ? `: ${final.message}` : ''}`,
        final.state === 'cancelled' ? 'TrainingCancelled' : 'TrainingFailed',
      );
    }

    if (patched('evaluate-and-promote')) {
      enterStage('evaluating');
      const evaluation = await stepActivities.evaluateModel(run, carried.job, {
        metrics: progress.metrics,
        model: final.model,
      });
      progress.promotion = evaluation.decision;
      enterStage('publishing');
      if (evaluation.decision.promoted && pipeline.publish && pipeline.backend.type === 'local') {
        await publish(input, progress, evaluation.registryDir);
      }
    } else {
      enterStage('publishing');
    }
    progress.outcome = 'succeeded';
    await announce(input, progress, 'succeeded');
    enterStage('succeeded');
    upsertMemo({ outcome: 'succeeded', links: progress.links, promoted: progress.promotion?.promoted });
    const summary = [final.message ?? 'training succeeded', progress.promotion?.reason].filter(Boolean).join('; ');
    return result(progress, 'succeeded', summary);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const outcome: RunOutcome = isCancellation(err) ? 'cancelled' : (progress.outcome ?? 'failed');
    progress.outcome = outcome;
    progress.error = describe(err);
    enterStage(outcome === 'cancelled' ? 'cancelled' : 'failed');
    await CancellationScope.nonCancellable(() => compensate(input, carried));
    enterStage('compensated');
    upsertMemo({ outcome, error: progress.error });
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(progress.error, outcome === 'rejected' ? 'Rejected' : 'RetrainFailed');
  } finally {
    if (progress.outcome) await CancellationScope.nonCancellable(() => notifyParent(input, progress));
  }
}

/**
 * The steps that create things run to completion even when the run is cancelled meanwhile, so their
 * result (a job that was started) is known to the compensation that follows; the cancellation then takes
 * effect at the next wait.
 */
function step<T>(fn: () => Promise<T>): Promise<T> {
  return CancellationScope.nonCancellable(fn);
}

/**
 * Wait for the job to end in one activity that Temporal retries while the job runs: between checks the
 * run writes no history and needs no worker (a worker may evict it from its cache and forget it until the
 * job ends). The status API reads the last check from the pending activity.
 */
async function awaitTraining(input: RetrainInput, carried: RetrainCarried): Promise<TrainingStatus> {
  const { progress } = carried;
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  const limitMs = input.pipeline.max_training_time * 1000;
  const trainingStarted = Date.parse(progress.timings.training ?? new Date().toISOString());
  const wait = trainingWait(input.pipeline.poll_interval_seconds, limitMs - (Date.now() - trainingStarted));
  try {
    const status = await wait.awaitTraining(run, carried.job!);
    recordStatus(progress, status, status.checks);
    return status;
  } catch (err) {
    // Out of time: the schedule-to-close timeout fired, or the server did not schedule a check past it.
    if (err instanceof ActivityFailure && (err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure)) {
      progress.outcome = 'failed';
      const lastCheck = err.cause instanceof TimeoutFailure ? err.cause.cause : err.cause;
      const last = lastCheck ? ` (last check: ${lastCheck.message})` : '';
      throw ApplicationFailure.nonRetryable(
        `training ran longer than max_training_time (${input.pipeline.max_training_time}s)${last}`,
        'TrainingTimedOut',
      );
    }
    throw err;
  }
}

function recordStatus(progress: RetrainProgress, status: TrainingStatus, checks = 1): void {
  progress.polls += checks;
  progress.status = status.stage ?? status.state;
  progress.progress = status.progress;
  progress.message = status.message;
  if (status.logTail) progress.logTail = status.logTail.slice(-LOG_TAIL_LINES);
  if (status.metrics) Object.assign(progress.metrics, status.metrics);
  Object.assign(progress.links, status.links);
}

/** Runs from before POLL_BY_RETRY: poll with a workflow timer between checks. */
async function pollUntilDone(input: RetrainInput, carried: RetrainCarried): Promise<TrainingStatus> {
  const { progress } = carried;
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  const job = carried.job!;
  const trainingStarted = Date.parse(progress.timings.training ?? new Date().toISOString());
  for (;;) {
    const status = await pollActivities.pollStatus(run, job);
    recordStatus(progress, status);
    if (status.state === 'succeeded' || status.state === 'failed' || status.state === 'cancelled') return status;

    if (Date.now() - trainingStarted > input.pipeline.max_training_time * 1000) {
      progress.outcome = 'failed';
      throw ApplicationFailure.nonRetryable(
        `training ran longer than max_training_time (${input.pipeline.max_training_time}s)`,
        'TrainingTimedOut',
      );
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
      await continueAsNew<typeof RetrainWorkflow>({ ...input, resume: carried });
    }
    await sleep(pollDelaySeconds(progress.polls, input.pipeline.poll_interval_seconds) * 1000);
  }
}

/**
 * Poll soon after the start (5s, 10s, 20s, ...), when most jobs that fail do, then settle at the
 * pipeline's poll_interval_seconds.
 */
export function pollDelaySeconds(pollsSoFar: number, interval: number): number {
  const early = FIRST_POLL_DELAY_SECONDS * 2 ** Math.max(0, pollsSoFar - 1);
  return Math.min(interval, early);
}

/** Uploads the promoted model; a failure is reported, but does not undo a training that succeeded. */
async function publish(input: RetrainInput, progress: RetrainProgress, registryDir: string): Promise<void> {
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  try {
    const published = await stepActivities.publishModel(run, registryDir);
    progress.links.model = published.url;
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('could not publish the model', { error: describe(err) });
    progress.announcementErrors = [...(progress.announcementErrors ?? []), `publish: ${describe(err)}`];
  }
}

function initialProgress(input: RetrainInput): RetrainProgress {
  return {
    pipeline: input.pipeline.name,
    dataset: input.pipeline.input_dataset,
    revision: input.revision,
    backend: input.pipeline.backend.type,
    stage: 'created',
    logTail: [],
    metrics: {},
    links: {},
    timings: {},
    delivery: input.delivery,
    polls: 0,
  };
}

function result(progress: RetrainProgress, outcome: RunOutcome, message: string): RetrainResult {
  return {
    outcome,
    revision: progress.revision,
    jobId: progress.jobId,
    links: progress.links,
    metrics: progress.metrics,
    message,
    promotion: progress.promotion,
  };
}
