import type { PipelineSpec } from '../config/config-schema';
import type { HubClient } from '../hub/hub-client';
import { AutotrainBackend } from './autotrain/autotrain-backend';
import { HfJobsBackend } from './hf-jobs/hf-jobs-backend';
import { LocalBackend } from './local/local-backend';
import type { TrainingBackend } from './types';

export interface BackendDeps {
  hub: HubClient;
  hfToken?: string;
  autotrainApiUrl?: string;
  /** RETRAIN_STATE_DIR and the model registry folder, for the local backend. */
  stateDir: string;
  modelsDir: string;
  /** Replaces the trainers of trainers/ for local pipelines that name no command (tests). */
  defaultTrainerCommand?: string[];
  fetch?: typeof fetch;
}

/** The backend a pipeline names. One instance per type; each call carries its own pipeline. */
export function createBackends(deps: BackendDeps): (pipeline: PipelineSpec) => TrainingBackend {
  const autotrain = new AutotrainBackend({
    hub: deps.hub,
    token: deps.hfToken,
    defaultApiUrl: deps.autotrainApiUrl,
    stateDir: deps.stateDir,
    fetch: deps.fetch,
  });
  const hfJobs = new HfJobsBackend({ hub: deps.hub, token: deps.hfToken, fetch: deps.fetch });
  let local: LocalBackend | undefined;
  return (pipeline) => {
    switch (pipeline.backend.type) {
      case 'autotrain':
        return autotrain;
      case 'hf-jobs':
        return hfJobs;
      case 'local':
        return (local ??= new LocalBackend({
          stateDir: deps.stateDir,
          modelsDir: deps.modelsDir,
          hubEndpoint: deps.hub.endpoint,
          token: deps.hfToken,
          fetch: deps.fetch,
          defaultCommand: deps.defaultTrainerCommand,
        }));
    }
  };
}
