/**
 * RetrainWorkflow: one training run of one pipeline on one dataset revision.
 * [checkData -> [approval]] -> createProject -> addData -> [approval] -> startProcessing -> awaitTraining -> evaluate -> [publish] -> notify,
 * with compensation (stop the job, clean up, announce the failure) in a non-cancellable scope on failure,
 * rejection or cancellation; a failure is then rethrown with the original as its cause.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  deprecatePatch,
  isCancellation,
  log,
  patched,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { TrainingStatus } from '../backends/types';
import {
  MAX_TRAINING_NOTICES,
  progressQuery,
  RetrainStage,
  trainingEndedSignal,
  type RetrainCarried,
  type RetrainInput,
  type RetrainProgress,
  type RetrainResult,
  type RunOutcome,
  type Stage,
  type TrainingEnded,
} from './definitions';
import { describe } from './announcement';
import { announce } from './retrain-announce';
import { ApprovalGate, awaitApproval } from './retrain-approval';
import { checkRevisionData } from './retrain-data-checks';
import {
  ACTIVITIES_DECIDE,
  EVALUATE_AND_PROMOTE,
  POLL_BY_RETRY,
  TRAINING_NOTICE,
  DEPLOY_AFTER_PROMOTION,
  COST_AND_BUDGET,
  DATA_CHECKS,
  COST_BEFORE_FAILURE_NOTICE,
} from './retrain-patches';
import { deployPromoted } from './retrain-deploy';
import { checkBudget, heldToPerRun, reserveApproved, settleCost, type BudgetCheck } from './retrain-budget';
import { compensate, failureAfterCompensation, notifyParent } from './retrain-saga';
import { autotrainSameRows } from './retrain-same-rows';
import { stepActivities, trainingWait } from './retrain-activities';

export async function RetrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const { pipeline, revision } = input;
  const run = { pipeline, revision, attempt: input.attempt };
  const carried: RetrainCarried = input.resume ?? { progress: initialProgress(input) };
  const progress = carried.progress;
  const approval = new ApprovalGate(progress, pipeline.approval === 'required');

  setHandler(progressQuery, () => progress);
  approval.listen();
  // Counted whenever it comes; only a run waiting for its job acts on it (awaitTraining).
  setHandler(trainingEndedSignal, () => {
    progress.notices = (progress.notices ?? 0) + 1;
  });

  const enterStage = (stage: Stage): void => {
    progress.stage = stage;
    progress.timings[stage] = new Date().toISOString();
    upsertSearchAttributes([{ key: RetrainStage, value: stage }]);
    // A log line, not a command: what a person at the terminal follows (`event` keeps it in the quiet log).
    log.info(`stage: ${stage}`, { event: 'stage', stage });
  };

  let budget: BudgetCheck | undefined;
  try {
    // A run a person approved after reading its data report is not asked again below.
    const checked =
      !carried.project && patched(DATA_CHECKS)
        ? await checkRevisionData(input, progress, approval, enterStage)
        : { approved: false };
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
    if (!carried.job && patched(COST_AND_BUDGET)) budget = await checkBudget(input, progress);
    if (budget?.hold) {
      // Over budget: a decision on the cost, even when the pipeline asks for none or a person approved the data.
      approval.require();
      if (checked.approved) approval.reopen();
    }
    if (((pipeline.approval === 'required' && !checked.approved) || budget?.hold) && !carried.job) {
      await awaitApproval(input, progress, approval, enterStage);
      if (budget?.hold) await reserveApproved(input, progress, budget.price);
    }
    if (!carried.job) {
      // From here a job may exist before startProcessing answers (or without it ever answering): the
      // compensation that stops it is registered now, and finds the job by the run's name if need be.
      carried.startRequested = true;
      carried.job = await step(() => stepActivities.startProcessing(run, carried.project!, carried.data!));
      progress.jobId = carried.job.jobId;
      Object.assign(progress.links, carried.job.links);
      upsertMemo({ jobId: carried.job.jobId, links: progress.links });
      enterStage('training');
    }

    deprecatePatch(POLL_BY_RETRY);
    const final = budget
      ? await heldToPerRun(input, progress, budget.price, () => awaitTraining(input, carried))
      : await awaitTraining(input, carried);
    if (budget) await settleCost(input, progress, budget.price, carried.job);
    if (final.state !== 'succeeded') {
      progress.outcome = final.state === 'cancelled' ? 'cancelled' : 'failed';
      throw ApplicationFailure.nonRetryable(
        `training ${final.state === 'cancelled' ? 'was cancelled at the backend' : 'failed'}${final.message ? `: ${final.message}` : ''}`,
        final.state === 'cancelled' ? 'TrainingCancelled' : 'TrainingFailed',
      );
    }

    deprecatePatch(EVALUATE_AND_PROMOTE);
    const activitiesDecide = patched(ACTIVITIES_DECIDE);
    enterStage('evaluating');
    const sameRows = await autotrainSameRows(run, carried.job, carried.data, final.model);
    const evaluation = await stepActivities.evaluateModel(run, carried.job, {
      metrics: progress.metrics,
      model: final.model,
      ...(progress.cost ? { cost: progress.cost } : {}),
      ...(sameRows ? { sameRows } : {}),
    });
    progress.promotion = evaluation.decision;
    enterStage('publishing');
    const publishable = activitiesDecide
      ? evaluation.publishable
      : evaluation.decision.promoted && pipeline.publish && pipeline.backend.type === 'local';
    if (publishable) await publish(input, progress, evaluation.registryDir);
    if (pipeline.deploy && evaluation.decision.promoted && patched(DEPLOY_AFTER_PROMOTION)) {
      enterStage('deploying');
      await deployPromoted(pipeline, revision, progress);
    }
    progress.outcome = 'succeeded';
    await announce(input, progress, 'succeeded');
    enterStage('succeeded');
    upsertMemo({ outcome: 'succeeded', links: progress.links, promoted: progress.promotion?.promoted });
    const summary = [final.message ?? 'training succeeded', progress.promotion?.reason].filter(Boolean).join('; ');
    return result(progress, 'succeeded', summary);
  } catch (err) {
    const outcome: RunOutcome = isCancellation(err) ? 'cancelled' : (progress.outcome ?? 'failed');
    progress.outcome = outcome;
    progress.error = describe(err);
    enterStage(outcome === 'cancelled' ? 'cancelled' : 'failed');
    const check = budget;
    const settle = check && !progress.cost ? () => settleCost(input, progress, check.price, carried.job) : undefined;
    // The cost is settled once the job is stopped and before the failure notice, which then shows it.
    const settleFirst = settle && patched(COST_BEFORE_FAILURE_NOTICE) ? settle : undefined;
    await CancellationScope.nonCancellable(() =>
      compensate(input, carried, settleFirst ? ['settle what the run cost', settleFirst] : undefined),
    );
    if (settle && !settleFirst) await CancellationScope.nonCancellable(settle);
    enterStage('compensated');
    upsertMemo({ outcome, error: progress.error });
    if (isCancellation(err)) throw err;
    throw failureAfterCompensation(err, progress.error);
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
 * job ends). The status API reads the last check from the pending activity. A run that listens (patch
 * 'training-notice') also ends the wait for a trainingEnded notice: it cancels the pending check and checks
 * at once, so the end of a training is seen when it is told, not at the next periodic check.
 */
async function awaitTraining(input: RetrainInput, carried: RetrainCarried): Promise<TrainingStatus> {
  const { progress } = carried;
  const run = { pipeline: input.pipeline, revision: input.revision, attempt: input.attempt };
  const limitMs = input.pipeline.max_training_time * 1000;
  const trainingStartedAt = progress.timings.training ?? new Date().toISOString();
  const waitFor = () =>
    trainingWait(input.pipeline.poll_interval_seconds, limitMs - (Date.now() - Date.parse(trainingStartedAt)));
  try {
    const status = patched(TRAINING_NOTICE)
      ? await checksOrNotices(progress, () =>
          waitFor().awaitTraining(run, carried.job!, { listening: true, trainingStartedAt }),
        )
      : await waitFor().awaitTraining(run, carried.job!);
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

/**
 * The pending check, until the job ends or a trainingEnded notice arrives; then a fresh check at once. A notice
 * that arrived before a check was scheduled is covered by that check's first attempt, which runs at once; after
 * MAX_TRAINING_NOTICES restarts, notices are only counted (each restart costs a few history events).
 */
async function checksOrNotices(progress: RetrainProgress, check: () => Promise<TrainingEnded>): Promise<TrainingEnded> {
  for (let restarts = 0; ; restarts++) {
    const seen = progress.notices ?? 0;
    const checking = new CancellationScope();
    const ended = checking.run(check);
    ended.catch(() => undefined); // awaited below; never an unhandled rejection when the notice wins
    if (restarts >= MAX_TRAINING_NOTICES) return ended;
    const listening = new CancellationScope();
    const noticed = listening.run(() => condition(() => (progress.notices ?? 0) > seen));
    noticed.catch(() => undefined);
    const first = await Promise.race([ended.then(() => 'ended' as const), noticed.then(() => 'noticed' as const)]);
    if (first === 'ended') {
      listening.cancel();
      return ended;
    }
    log.info('told the training may have ended: checking now', { event: 'notice', notices: progress.notices });
    checking.cancel();
    try {
      return await ended; // it ended in the same activation as the notice
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }
}

function recordStatus(progress: RetrainProgress, status: TrainingStatus, checks: number): void {
  progress.polls += checks;
  progress.status = status.stage ?? status.state;
  progress.progress = status.progress;
  progress.message = status.message;
  // At most LOG_TAIL_LINES (src/backends/types.ts): each backend keeps only that many.
  if (status.logTail) progress.logTail = status.logTail;
  if (status.metrics) Object.assign(progress.metrics, status.metrics);
  Object.assign(progress.links, status.links);
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
