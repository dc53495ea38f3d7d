/**
 * A workflow interceptor (bundled with the workflows, registered in src/temporal/workflow-bundle.ts) that
 * reports what a RetrainWorkflow run did to the worker's metrics through a sink: its outcome, how long its
 * training took, and each compensation. The workflows themselves emit nothing. Sink calls are not made
 * during replay, so a run is counted once, by the worker that ran it.
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  isCancellation,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type Next,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { CompensationResult } from '../../activities';
import type { TrainingStatus } from '../../backends/types';
import {
  AWAIT_TRAINING_ACTIVITY,
  RETRAIN_WORKFLOW,
  type RetrainInput,
  type RetrainResult,
  type RunOutcome,
} from '../definitions';

export const COMPENSATION_STEPS = ['stopTraining', 'cleanupProject'] as const;

export interface RunMetricsSinks extends Sinks {
  runMetrics: {
    runFinished(backend: string, outcome: RunOutcome): void;
    trainingFinished(backend: string, state: string, seconds: number): void;
    compensation(backend: string, step: string, result: 'ok' | 'failed'): void;
  };
}

const { runMetrics } = proxySinks<RunMetricsSinks>();

/** What one run's interceptors share. */
interface RunState {
  backend?: string;
  /** Workflow time the training started (carried across continue-as-new in the input's progress). */
  trainingStartedAt?: number;
}

class RunInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly run: RunState) {}

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (workflowInfo().workflowType !== RETRAIN_WORKFLOW) return next(input);
    const retrain = input.args[0] as RetrainInput;
    const backend = retrain.pipeline.backend.type;
    this.run.backend = backend;
    const started = retrain.resume?.progress.timings.training;
    if (started) this.run.trainingStartedAt = Date.parse(started);
    try {
      const result = (await next(input)) as RetrainResult;
      runMetrics.runFinished(backend, result.outcome);
      return result;
    } catch (err) {
      if (!(err instanceof ContinueAsNew)) runMetrics.runFinished(backend, outcomeOf(err));
      throw err;
    }
  }
}

class RunOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly run: RunState) {}

  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    const backend = this.run.backend;
    if (!backend) return next(input);
    const compensation = (COMPENSATION_STEPS as readonly string[]).includes(input.activityType);
    let result: unknown;
    try {
      result = await next(input);
    } catch (err) {
      if (compensation) runMetrics.compensation(backend, input.activityType, 'failed');
      throw err;
    }
    // A compensation the activity found nothing to do for (clean-up off, no job) is not counted.
    if (compensation && !(result as CompensationResult | undefined)?.skipped) {
      runMetrics.compensation(backend, input.activityType, 'ok');
    }
    if (input.activityType === 'startProcessing') this.run.trainingStartedAt ??= Date.now();
    if (input.activityType === AWAIT_TRAINING_ACTIVITY) {
      const status = result as TrainingStatus;
      const ended = status.state === 'succeeded' || status.state === 'failed' || status.state === 'cancelled';
      if (ended && this.run.trainingStartedAt !== undefined) {
        runMetrics.trainingFinished(backend, status.state, Math.max(0, Date.now() - this.run.trainingStartedAt) / 1000);
      }
    }
    return result;
  }
}

function outcomeOf(err: unknown): RunOutcome {
  if (isCancellation(err)) return 'cancelled';
  return err instanceof ApplicationFailure && err.type === 'Rejected' ? 'rejected' : 'failed';
}

export const interceptors = (): WorkflowInterceptors => {
  const run: RunState = {};
  return { inbound: [new RunInbound(run)], outbound: [new RunOutbound(run)] };
};
