import type { PipelineSpec } from '../config/config-schema';
import { DiscussionWebhookCheck } from '../hub/discussion-webhook';
import { HubWebhooks, receiverWebhookUrl } from '../hub/hub-webhooks';
import { AutotrainBackend } from './autotrain/autotrain-backend';
import { HfJobsBackend } from './hf-jobs/hf-jobs-backend';
import { LocalBackend } from './local/local-backend';
import { builtInTrainers } from './local/trainer-choice';
import type { TrainingBackend } from './types';
import type { BackendDeps } from './deps';

/**
 * The backend a pipeline names, made for it: the pipeline's `backend` options, narrowed here by their type, go
 * to the backend that reads them. A backend holds no state of its own between calls (what it must find again
 * lives at the service, on disk or in the run's history), so one is made per call; what is shared between runs
 * (the check of a namespace's discussion webhook, the worker's Jobs watch) is made once, here or by the worker.
 */
export function createBackends(deps: BackendDeps): (pipeline: PipelineSpec) => TrainingBackend {
  const receiverUrl = deps.notices?.receiverUrl;
  const webhooks = new DiscussionWebhookCheck(
    new HubWebhooks({ endpoint: deps.hub.endpoint, token: deps.hfToken, fetch: deps.fetch }),
    receiverUrl ? receiverWebhookUrl(receiverUrl) : undefined,
  );
  const discussionWebhook = (namespace: string): Promise<boolean> => webhooks.isSetUp(namespace);
  let trainers: ReturnType<typeof builtInTrainers> | undefined;
  return ({ backend }) => {
    switch (backend.type) {
      case 'autotrain':
        return new AutotrainBackend({ ...deps, discussionWebhook }, backend);
      case 'hf-jobs':
        return new HfJobsBackend(deps, backend);
      case 'local':
        return new LocalBackend({ ...deps, trainers: (trainers ??= builtInTrainers()) }, backend);
    }
  };
}
