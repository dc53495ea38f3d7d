import type { PipelineSpec } from '../config/config-schema';
import type { HubClient } from '../hub/hub-client';
import { AutotrainBackend } from './autotrain/autotrain-backend';
import { HfJobsBackend } from './hf-jobs/hf-jobs-backend';
import type { TrainingBackend } from './types';

export interface BackendDeps {
  hub: HubClient;
  hfToken?: string;
  autotrainApiUrl?: string;
  fetch?: typeof fetch;
}

/** The backend a pipeline names. One instance per type; each call carries its own pipeline. */
export function createBackends(deps: BackendDeps): (pipeline: PipelineSpec) => TrainingBackend {
  const autotrain = new AutotrainBackend({
    hub: deps.hub,
    token: deps.hfToken,
    defaultApiUrl: deps.autotrainApiUrl,
    fetch: deps.fetch,
  });
  const hfJobs = new HfJobsBackend({ hub: deps.hub, token: deps.hfToken, fetch: deps.fetch });
  return (pipeline) => {
    switch (pipeline.backend.type) {
      case 'autotrain':
        return autotrain;
      case 'hf-jobs':
        return hfJobs;
    }
  };
}
