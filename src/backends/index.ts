import type { PipelineSpec } from '../config/config-schema';
import { DiscussionWebhookCheck } from '../hub/discussion-webhook';
import type { HubClient } from '../hub/hub-client';
import { HubWebhooks, receiverWebhookUrl } from '../hub/hub-webhooks';
import { AutotrainBackend } from './autotrain/autotrain-backend';
import { HfJobsBackend } from './hf-jobs/hf-jobs-backend';
import type { JobsWatch } from './hf-jobs/jobs-watch';
import { LocalBackend } from './local/local-backend';
import type { TrainingBackend } from './types';

/** How the backends tell a waiting run that its training ended (each is optional). */
export interface NoticeDeps {
  /** Temporal as the worker reaches it, for local supervisors. */
  temporal?: { address: string; namespace: string; giveUpMs?: number };
  /** The worker's shared check of Hugging Face jobs. */
  jobsWatch?: JobsWatch;
  /** The receiver's public URL (PUBLIC_URL): AutoTrain's discussion webhook must send to it, when it is known. */
  receiverUrl?: string;
}

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
  notices?: NoticeDeps;
}

/** The backend a pipeline names. One instance per type; each call carries its own pipeline. */
export function createBackends(deps: BackendDeps): (pipeline: PipelineSpec) => TrainingBackend {
  const webhooks = new DiscussionWebhookCheck(
    new HubWebhooks({ endpoint: deps.hub.endpoint, token: deps.hfToken, fetch: deps.fetch }),
    deps.notices?.receiverUrl ? receiverWebhookUrl(deps.notices.receiverUrl) : undefined,
  );
  const autotrain = new AutotrainBackend({
    hub: deps.hub,
    token: deps.hfToken,
    defaultApiUrl: deps.autotrainApiUrl,
    stateDir: deps.stateDir,
    fetch: deps.fetch,
    discussionWebhook: (namespace) => webhooks.isSetUp(namespace),
  });
  const hfJobs = new HfJobsBackend({
    hub: deps.hub,
    token: deps.hfToken,
    fetch: deps.fetch,
    watch: deps.notices?.jobsWatch,
  });
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
          notices: deps.notices?.temporal,
        }));
    }
  };
}
