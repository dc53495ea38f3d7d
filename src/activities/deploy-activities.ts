/**
 * The deploy activities: what to put in service and what it replaces, apply it to the pipeline's target, wait
 * until the target serves it (one check per attempt, spaced by the retry policy), smoke-check it, and record
 * which model serves (the registry's `serving.json` and `current` link). Each is safe to retry.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { PipelineSpec } from '../config/config-schema';
import { targetFor, type Readiness, type TargetDeps } from '../deploy/targets';
import { requestJson } from '../http/request-json';
import { readJson } from '../json-files';
import { PermanentBackendError } from '../errors';
import type { ModelRegistry } from '../registry/model-registry';
import { servedModelSchema, ServingRecord, type ServedModel, type ServingEntry } from '../registry/serving';
import type { SmokeResult } from '../deploy/smoke';
import { leaseHeldMessage, leaseHolderRuns } from '../deploy/lease-holder';
import { DeployLeases, leaseSeconds } from '../registry/deploy-lease';
import { join } from 'node:path';

export const NOT_SERVING_YET = 'NotServingYet';
export const DEPLOY_FAILED = 'DeployFailed';
/** Another workflow deploys the pipeline: retried until it ends (its lease is given back or expires). */
export const DEPLOY_LEASE_HELD = 'DeployLeaseHeld';
/** The registry revision of a model that served before hub-retrain deployed anything. */
export const EXTERNAL_REVISION = 'external';

export interface DeployPlan {
  model: ServedModel;
  /** What serves now and would be put back if the new model fails its checks. */
  previous?: ServedModel;
}

export type DeployDeps = Omit<TargetDeps, 'registry'> & { registry: ModelRegistry };

export function createDeployActivities(deps: DeployDeps) {
  const serving = new ServingRecord(deps.registry.root);
  const leases = new DeployLeases(deps.registry.root);
  const target = (pipeline: PipelineSpec) => targetFor(pipeline, deps);
  /** The workflow an activity runs for: the holder of the deploy lease it takes or gives back. */
  const workflowId = () => Context.current().info.workflowExecution?.workflowId ?? 'unknown';

  /** Takes the pipeline's deploy lease for this workflow, or fails (retryably) while another one holds it. */
  async function takeLease(pipeline: PipelineSpec, revision: string): Promise<void> {
    const holder = workflowId();
    const other = leases.live(pipeline.name);
    if (other && other.holder !== holder) {
      if (await leaseHolderRuns(Context.current().client, other)) {
        throw ApplicationFailure.create({
          type: DEPLOY_LEASE_HELD,
          message: leaseHeldMessage(pipeline.name, other),
          nonRetryable: false,
        });
      }
      log.warn('taking over the deploy lease of a workflow that has ended', { holder: other.holder });
    }
    leases.take(pipeline.name, holder, revision, leaseSeconds(pipeline.deploy!));
  }

  /** The Hub repo and exact commit of a registry revision's model, for a Hub target. */
  async function hubModel(pipeline: PipelineSpec, revision: string): Promise<ServedModel> {
    const served = serving.served(pipeline.name, revision);
    if (served?.repository && served.modelRevision) return servedModelSchema.parse(served);
    const deploy = pipeline.deploy!;
    const pointer = readJson<{ model?: string }>(join(deps.registry.runDir(pipeline.name, revision), 'model.json'));
    const repository =
      ('repository' in deploy ? deploy.repository : undefined) ?? pipeline.publish?.repo ?? pointer?.model;
    if (!repository) {
      throw new PermanentBackendError(
        `no Hub model repo for ${pipeline.name}@${revision}: set publish.repo or deploy.repository`,
      );
    }
    // The commit the run pushed or published: a push to the repo since then must not change what is deployed.
    const recorded = deps.registry.modelCommit(pipeline.name, revision, repository);
    if (recorded) return { revision, repository, modelRevision: recorded };
    log.warn('no commit was recorded for this model: deploying the head of its repo', { repository, revision });
    const res = await requestJson<{ sha?: string }>(`${deps.hubEndpoint}/api/models/${repository}/revision/main`, {
      token: deps.hfToken,
      fetch: deps.fetch,
    });
    if (!res.body.sha) throw new PermanentBackendError(`the Hub reported no commit for ${repository}`);
    return { revision, repository, modelRevision: res.body.sha };
  }

  /** What to deploy for a registry revision, and what serves now (read before anything changes). */
  async function plan(pipeline: PipelineSpec, t: ReturnType<typeof target>, revision: string): Promise<DeployPlan> {
    const model = t.type === 'local' ? { revision } : await hubModel(pipeline, revision);
    // Read before anything changes: a missing endpoint or Space, or a refused token, stops the deploy here.
    const live = await t.serving();
    const recorded = serving.current(pipeline.name);
    let previous: ServedModel | undefined;
    if (recorded && recorded.revision !== revision) previous = servedModelSchema.parse(recorded);
    else if (t.type === 'local') {
      const before = deps.registry.previous(pipeline.name);
      if (before && before !== revision) previous = { revision: before };
    } else if (
      live?.repository &&
      (live.repository !== model.repository || live.modelRevision !== model.modelRevision)
    ) {
      previous = { revision: EXTERNAL_REVISION, ...live };
    } else if (t.type === 'space' && live && live.modelRevision === undefined) {
      // A Space that did not have the variable yet: a roll-back deletes it (and restarts the Space).
      previous = { revision: EXTERNAL_REVISION };
    }
    return { model, previous };
  }

  return {
    /** The model to deploy for a registry revision, and what serves now (the roll-back target). */
    async planDeployment(pipeline: PipelineSpec, revision: string): Promise<DeployPlan> {
      const t = target(pipeline);
      if (revision !== EXTERNAL_REVISION && !deps.registry.has(pipeline.name, revision)) {
        throw new PermanentBackendError(`the registry has no model of ${pipeline.name} at ${revision}`);
      }
      // One deploy of a pipeline at a time: what serves is read once no other deploy can change it any more.
      await takeLease(pipeline, revision);
      try {
        return await plan(pipeline, t, revision);
      } catch (err) {
        leases.release(pipeline.name, workflowId());
        throw err;
      }
    },

    async applyDeployment(pipeline: PipelineSpec, model: ServedModel): Promise<void> {
      await target(pipeline).apply(model);
      log.info('deploy applied', {
        pipeline: pipeline.name,
        revision: model.revision,
        modelRevision: model.modelRevision,
      });
    },

    /**
     * One check whether the target serves the model: its readiness once it does; while it does not, a retryable,
     * benign NotServingYet that the retry policy turns into the next check; a DeployFailed when waiting cannot help.
     */
    async awaitDeployment(pipeline: PipelineSpec, model: ServedModel): Promise<Readiness> {
      const readiness = await target(pipeline).check(model);
      if (readiness.ready) return readiness;
      if (readiness.failed) throw ApplicationFailure.nonRetryable(readiness.failed, DEPLOY_FAILED, readiness);
      const still = ApplicationFailure.create({
        type: NOT_SERVING_YET,
        message: `not serving the new model yet: ${readiness.state}`,
        details: [readiness],
        nonRetryable: false,
        category: ApplicationFailureCategory.BENIGN,
      });
      still.stack = `${NOT_SERVING_YET}: ${still.message}`;
      throw still;
    },

    /** Whether the target serves this model already (a roll-back to it then changes nothing). */
    async servesAlready(pipeline: PipelineSpec, model: ServedModel): Promise<boolean> {
      return (await target(pipeline).check(model)).ready;
    },

    async smokeCheckDeployment(pipeline: PipelineSpec, model: ServedModel, readiness: Readiness): Promise<SmokeResult> {
      return target(pipeline).smoke(model, readiness);
    },

    /** Records what serves now; a Hub target's model becomes the registry's `current` too (a local one already is). */
    async recordServing(pipeline: PipelineSpec, entry: ServingEntry): Promise<void> {
      if (entry.target !== 'local' && deps.registry.has(pipeline.name, entry.revision)) {
        if (deps.registry.current(pipeline.name)?.revision !== entry.revision)
          deps.registry.promote(pipeline.name, entry.revision);
      }
      serving.record(pipeline.name, entry);
      leases.release(pipeline.name, workflowId());
      log.info('serving', { pipeline: pipeline.name, revision: entry.revision, by: entry.by, reason: entry.reason });
    },

    /** A roll-back by hand without `--to`: what served before what serves now. */
    async rollbackTarget(pipeline: PipelineSpec): Promise<string> {
      const previous = serving.previous(pipeline.name)?.revision ?? deps.registry.previous(pipeline.name);
      if (!previous) throw new PermanentBackendError(`${pipeline.name} has no earlier model to roll back to`);
      return previous;
    },
  };
}

export type DeployActivities = ReturnType<typeof createDeployActivities>;
