/**
 * The three places a promoted model is put in service, behind one interface the deploy activities use: apply a
 * model, check whether it serves (once per activity attempt), smoke-check it, and say what serves now.
 */
import type { DeployTarget } from '../config/deploy-schema';
import type { PipelineSpec } from '../config/config-schema';
import { requireHfToken } from '../http/http-error';
import { requestJson } from '../http/request-json';
import type { ModelRegistry } from '../registry/model-registry';
import type { ServedModel } from '../registry/serving';
import { EndpointClient } from './endpoint-client';
import { smokeCheck, type SmokeResult } from './smoke';
import { SpaceClient } from './space-client';

export interface Readiness {
  ready: boolean;
  /** The target's own state (`running`, `updating`, `BUILDING`, ...). */
  state: string;
  /** Set when waiting longer cannot help (the target failed, or someone paused it). */
  failed?: string;
  /** Where it answers, when the target says. */
  url?: string;
}

export interface Target {
  readonly type: DeployTarget['type'];
  /** What serves now, as the target itself reports it (the registry's revision unknown: `external`). */
  serving(): Promise<Omit<ServedModel, 'revision'> | undefined>;
  apply(model: ServedModel): Promise<void>;
  check(model: ServedModel): Promise<Readiness>;
  smoke(model: ServedModel, readiness: Readiness): Promise<SmokeResult>;
}

export interface TargetDeps {
  hubEndpoint: string;
  hfToken?: string;
  registry: ModelRegistry;
  /** The receiver, for the local target (its predict endpoint). */
  receiverUrl?: string;
  fetch?: typeof fetch;
}

export function targetFor(pipeline: PipelineSpec, deps: TargetDeps): Target {
  const deploy = pipeline.deploy;
  if (!deploy) throw new Error(`pipeline ${pipeline.name} has no deploy settings`);
  switch (deploy.type) {
    case 'endpoint':
      return endpointTarget(pipeline, deploy, deps);
    case 'space':
      return spaceTarget(deploy, deps);
    case 'local':
      return localTarget(pipeline, deploy, deps);
  }
}

/** The labels a Hub model answers with: its `config.json` `id2label` at the revision, when it has one. */
export async function hubModelLabels(deps: TargetDeps, model: ServedModel): Promise<string[] | undefined> {
  if (!model.repository) return undefined;
  const res = await requestJson<{ id2label?: Record<string, string> }>(
    `${deps.hubEndpoint}/${model.repository}/resolve/${model.modelRevision ?? 'main'}/config.json`,
    { token: deps.hfToken, accept: [401, 403, 404], fetch: deps.fetch },
  );
  const labels = res.status === 200 && res.body?.id2label ? Object.values(res.body.id2label) : [];
  return labels.length > 0 ? labels : undefined;
}

type Deploy<T extends DeployTarget['type']> = Extract<DeployTarget, { type: T }>;

function endpointTarget(pipeline: PipelineSpec, deploy: Deploy<'endpoint'>, deps: TargetDeps): Target {
  const client = () =>
    new EndpointClient({
      apiUrl: deploy.api_url,
      namespace: deploy.namespace ?? pipeline.target_namespace,
      name: deploy.name,
      token: requireHfToken(deps.hfToken, 'deploying to an Inference Endpoint needs a token with write access'),
      fetch: deps.fetch,
    });
  return {
    type: 'endpoint',
    async serving() {
      const info = await client().get();
      return { repository: info.repository, modelRevision: info.revision };
    },
    async apply(model) {
      await client().update(model.repository!, model.modelRevision!);
    },
    async check(model) {
      const info = await client().get();
      const serves = info.repository === model.repository && info.revision === model.modelRevision;
      if (info.state === 'failed' || info.state === 'updateFailed') {
        return {
          ready: false,
          state: info.state,
          failed: `the endpoint is ${info.state}${info.message ? `: ${info.message}` : ''}`,
        };
      }
      if (info.state === 'paused') {
        return { ready: false, state: info.state, failed: 'the endpoint is paused: resume it, then deploy again' };
      }
      if (!serves)
        return { ready: false, state: `${info.state} (still ${info.repository}@${info.revision ?? 'main'})` };
      // Scaled to zero, it serves the revision and wakes on the first request (the smoke check's).
      const ready = (info.state === 'running' || info.state === 'scaledToZero') && info.url !== undefined;
      return { ready, state: info.state, url: info.url };
    },
    async smoke(model, readiness) {
      return smokeCheck({
        url: readiness.url!,
        inputs: deploy.smoke.inputs,
        labels: deploy.smoke.labels ?? (await hubModelLabels(deps, model)),
        token: deps.hfToken,
        timeoutMs: deploy.smoke.timeout * 1000,
        fetch: deps.fetch,
      });
    },
  };
}

/** A Space's stages that waiting will not turn into RUNNING (huggingface_hub `_space_api.py` SpaceStage). */
const SPACE_FAILED = ['NO_APP_FILE', 'CONFIG_ERROR', 'BUILD_ERROR', 'RUNTIME_ERROR', 'DELETING', 'PAUSED', 'STOPPED'];

function spaceTarget(deploy: Deploy<'space'>, deps: TargetDeps): Target {
  const client = () =>
    new SpaceClient({
      hubEndpoint: deps.hubEndpoint,
      space: deploy.space,
      token: requireHfToken(deps.hfToken, 'deploying to a Space needs a token with write access to it'),
      fetch: deps.fetch,
    });
  return {
    type: 'space',
    async serving() {
      const revision = await client().variable(deploy.variable);
      // A Space without the variable serves too (what its app loads by default): a roll-back deletes it again.
      return revision ? { repository: deploy.repository, modelRevision: revision } : {};
    },
    async apply(model) {
      const space = client();
      if (model.modelRevision === undefined) await space.deleteVariable(deploy.variable);
      else await space.setVariable(deploy.variable, model.modelRevision, `set by hub-retrain: ${model.repository}`);
      await space.restart();
    },
    async check(model) {
      const space = client();
      const [runtime, revision] = await Promise.all([space.runtime(), space.variable(deploy.variable)]);
      if (revision !== model.modelRevision)
        return { ready: false, state: `${runtime.stage} (${deploy.variable}=${revision})` };
      if (SPACE_FAILED.includes(runtime.stage)) {
        return {
          ready: false,
          state: runtime.stage,
          failed: `the Space is ${runtime.stage}${runtime.errorMessage ? `: ${runtime.errorMessage}` : ''}`,
        };
      }
      return { ready: runtime.stage === 'RUNNING', state: runtime.stage, url: deploy.smoke_url };
    },
    async smoke(model) {
      return smokeCheck({
        url: deploy.smoke_url,
        inputs: deploy.smoke.inputs,
        labels: deploy.smoke.labels ?? (await hubModelLabels(deps, model)),
        token: deps.hfToken,
        timeoutMs: deploy.smoke.timeout * 1000,
        fetch: deps.fetch,
      });
    },
  };
}

/** The receiver's own predict endpoint, serving what the registry's `current` link points at. */
function localTarget(pipeline: PipelineSpec, deploy: Deploy<'local'>, deps: TargetDeps): Target {
  const base =
    deps.receiverUrl && `${deps.receiverUrl.replace(/\/+$/, '')}/api/pipelines/${encodeURIComponent(pipeline.name)}`;
  return {
    type: 'local',
    async serving() {
      return deps.registry.current(pipeline.name) ? {} : undefined;
    },
    async apply(model) {
      if (deps.registry.current(pipeline.name)?.revision !== model.revision)
        deps.registry.promote(pipeline.name, model.revision);
    },
    async check(model) {
      if (!base) return { ready: true, state: 'promoted (no receiver to ask: set PUBLIC_URL)' };
      const res = await requestJson<{ local?: { revision?: string; loading?: string; error?: string } }>(
        `${base}/serving`,
        {
          fetch: deps.fetch,
        },
      );
      const local = res.body.local ?? {};
      if (local.revision === model.revision) return { ready: true, state: 'serving', url: `${base}/predict` };
      if (local.error && !local.loading)
        return { ready: false, state: 'load failed', failed: `the model could not be loaded: ${local.error}` };
      return {
        ready: false,
        state: local.loading === model.revision ? 'loading' : `serving ${local.revision ?? 'nothing'}`,
      };
    },
    async smoke(_model, readiness) {
      if (!deploy.smoke || !readiness.url) return { answers: [] };
      return smokeCheck({
        url: readiness.url,
        inputs: deploy.smoke.inputs,
        labels: deploy.smoke.labels,
        timeoutMs: deploy.smoke.timeout * 1000,
        fetch: deps.fetch,
      });
    },
  };
}
