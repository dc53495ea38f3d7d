/**
 * Putting a model in service, as durable steps of a workflow: plan (what to deploy, what it replaces), apply,
 * wait until the target serves it, smoke-check it, record it. A failure after the target may have changed is
 * compensated by putting back what served before (in a non-cancellable scope), and the deploy then fails with
 * type DeployFailed, saying whether it was rolled back. RetrainWorkflow runs it after a promotion (the
 * `deploying` stage); RollbackWorkflow runs it for a roll-back by hand.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { Readiness } from '../deploy/targets';
import type { ServedModel } from '../registry/serving';
import type { PipelineSpec } from '../config/config-schema';
import { describe } from './announcement';
import type { Deployment } from './definitions';
import { HTTP_RETRY } from './retrain-activities';
import { DEPLOY_REFUSED_UNCHANGED } from './retrain-patches';
import { DEPLOY_REFUSED } from '../deploy/deploy-refused';

/** Plan, apply, record: short calls, retried for ten minutes. */
const deploySteps = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: HTTP_RETRY,
});

/** The wait until the target serves the model: one check per attempt, 2 s, 4 s, ... then every 30 s, up to ready_timeout. */
function readinessChecks(readyTimeoutSeconds: number) {
  return proxyActivities<RetrainActivities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: readyTimeoutSeconds * 1000,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
}

/** The smoke check: each attempt sends every input; a slow or 5xx target is retried until three attempts' time is up. */
function smokeChecks(pipeline: PipelineSpec) {
  const smoke = pipeline.deploy && 'smoke' in pipeline.deploy ? pipeline.deploy.smoke : undefined;
  const attemptMs = ((smoke?.timeout ?? 60) * (smoke?.inputs.length ?? 1) + 10) * 1000;
  return proxyActivities<RetrainActivities>({
    startToCloseTimeout: attemptMs,
    scheduleToCloseTimeout: attemptMs * 3,
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
}

export interface DeployRequest {
  pipeline: PipelineSpec;
  /** The registry revision to put in service. */
  revision: string;
  by: string;
  reason: 'deploy' | 'manual-rollback';
  /** Called whenever the deployment's record changes (the run's progress holds it). */
  onChange?: (deployment: Deployment) => void;
}

export async function deployRevision(request: DeployRequest): Promise<Deployment> {
  const { pipeline, revision, by } = request;
  const readyTimeout = pipeline.deploy!.ready_timeout;
  const deployment: Deployment = {
    target: pipeline.deploy!.type,
    revision,
    health: 'deploying',
    rolledBack: false,
    startedAt: new Date().toISOString(),
    by,
  };
  const changed = () => request.onChange?.(deployment);
  changed();
  // Nothing has changed until the plan is made: a missing target or a refused token fails here, with no roll-back.
  let plan: Awaited<ReturnType<typeof deploySteps.planDeployment>>;
  try {
    plan = await deploySteps.planDeployment(pipeline, revision);
  } catch (err) {
    Object.assign(deployment, {
      health: 'failed',
      unchanged: true,
      error: describe(err),
      endedAt: new Date().toISOString(),
    });
    changed();
    if (isCancellation(err)) throw err;
    throw deployFailed(deployment);
  }
  Object.assign(deployment, { repository: plan.model.repository, modelRevision: plan.model.modelRevision });
  if (plan.previous) deployment.previous = plan.previous;
  changed();
  try {
    await deploySteps.applyDeployment(pipeline, plan.model);
    const readiness = await waitUntilServing(pipeline, plan.model, readyTimeout, deployment);
    const smoke = await smokeChecks(pipeline).smokeCheckDeployment(pipeline, plan.model, readiness);
    deployment.smoke = smoke.answers;
    await deploySteps.recordServing(pipeline, served(pipeline, plan.model, by, request.reason));
    deployment.health = 'healthy';
    deployment.endedAt = new Date().toISOString();
    changed();
    return deployment;
  } catch (err) {
    deployment.health = 'failed';
    deployment.error = describe(err);
    if (refusedBeforeChange(err) && patched(DEPLOY_REFUSED_UNCHANGED)) {
      // The target refused the first change: what served serves on, and there is nothing to put back.
      deployment.unchanged = true;
    } else {
      changed();
      await CancellationScope.nonCancellable(() => rollBack(pipeline, plan.previous, deployment, by));
    }
    deployment.endedAt = new Date().toISOString();
    changed();
    if (isCancellation(err)) throw err;
    throw deployFailed(deployment);
  }
}

/** The apply step's first change was refused by the target (DeployRefused): nothing was changed. */
function refusedBeforeChange(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.activityType === 'applyDeployment' &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === DEPLOY_REFUSED
  );
}

/**
 * The deploy's failure: what failed and what became of the model in service, in one message (no cause chain, so the
 * run's error, which is its innermost message, says both; the original is in the deployment's `error`).
 */
function deployFailed(deployment: Deployment): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `deploy failed: ${deployment.error}; ${rollbackSummary(deployment)}`,
    'DeployFailed',
  );
}

/** "rolled back to abc1234", "could not roll back: ...", or "nothing served before it". */
export function rollbackSummary(d: Deployment): string {
  if (d.unchanged) return 'nothing was changed: the model in service still serves';
  if (d.rolledBack && d.previous) {
    const back = d.previous.revision;
    // A sha or content hash as git shows it; `external` (what served before hub-retrain deployed) as it is.
    return `rolled back to ${/^[0-9a-f]{12,}$/.test(back) ? back.slice(0, 7) : `the model that served before (${back})`}`;
  }
  if (d.rollbackError) return `could not roll back: ${d.rollbackError}`;
  return 'nothing served before it to roll back to';
}

async function waitUntilServing(
  pipeline: PipelineSpec,
  model: ServedModel,
  readyTimeout: number,
  deployment: Deployment,
): Promise<Readiness> {
  try {
    const readiness = await readinessChecks(readyTimeout).awaitDeployment(pipeline, model);
    deployment.state = readiness.state;
    return readiness;
  } catch (err) {
    if (err instanceof ActivityFailure && (err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure)) {
      const last = err.cause instanceof TimeoutFailure ? err.cause.cause : err.cause;
      throw ApplicationFailure.nonRetryable(
        `the ${deployment.target} did not serve the new model within ready_timeout (${readyTimeout}s)${last ? ` (last check: ${last.message})` : ''}`,
        'DeployTimedOut',
      );
    }
    throw err;
  }
}

/** Puts back what served before; its own failure is recorded, never thrown (the deploy's failure is the news). */
async function rollBack(
  pipeline: PipelineSpec,
  previous: ServedModel | undefined,
  deployment: Deployment,
  by: string,
): Promise<void> {
  if (!previous) return;
  try {
    if (!(await deploySteps.servesAlready(pipeline, previous))) {
      await deploySteps.applyDeployment(pipeline, previous);
      await waitUntilServing(pipeline, previous, pipeline.deploy!.ready_timeout, deployment);
    }
    await deploySteps.recordServing(pipeline, served(pipeline, previous, by, 'rollback'));
    deployment.rolledBack = true;
  } catch (err) {
    deployment.rollbackError = describe(err);
    log.error('could not roll back the deploy', { error: deployment.rollbackError });
  }
}

function served(
  pipeline: PipelineSpec,
  model: ServedModel,
  by: string,
  reason: 'deploy' | 'rollback' | 'manual-rollback',
) {
  return { ...model, target: pipeline.deploy!.type, since: new Date().toISOString(), by, reason };
}

/** The `deploying` stage of a run whose model was promoted: the run's progress carries the deployment. */
export async function deployPromoted(
  pipeline: PipelineSpec,
  revision: string,
  progress: { deployment?: Deployment },
): Promise<void> {
  await deployRevision({
    pipeline,
    revision,
    by: workflowInfo().workflowId,
    reason: 'deploy',
    onChange: (d) => (progress.deployment = d),
  });
}
