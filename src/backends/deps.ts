/**
 * What the backends take from the worker, declared here where it is consumed: the worker's composition root
 * (src/activities/deps.ts) builds one and each backend picks the part it needs.
 */
import type { HubClient } from '../hub/hub-client';
import type { JobsWatch } from './hf-jobs/jobs-watch';

/**
 * What the backends may need of the worker's configuration: the activities' deps (ActivityDeps) with the Hub
 * client made from them. Each backend takes the Pick of it it needs, under the same names, and its pipeline's
 * `backend` options, already narrowed to its type.
 */
export interface BackendDeps {
  hub: HubClient;
  /** HF_TOKEN. */
  hfToken?: string;
  /** AUTOTRAIN_API_URL: the AutoTrain server of pipelines that name no `api_url`. */
  autotrainApiUrl?: string;
  /** RETRAIN_STATE_DIR: local runs, dataset snapshots, the Hub cache. */
  stateDir: string;
  /** RETRAIN_MODELS_DIR: the model registry. */
  modelsDir: string;
  /** Replaces the trainers of trainers/ for local pipelines that name no command, with no pre-flight check (tests). */
  defaultTrainerCommand?: string[];
  fetch?: typeof fetch;
  /** How the backends tell a waiting run that its training ended (each is optional; without them runs only check). */
  notices?: NoticeDeps;
}

/** What tells a waiting run that its training ended, per backend. */
export interface NoticeDeps {
  /**
   * Where a local trainer's supervisor finds Temporal to tell its run that the trainer exited (the worker's address
   * and namespace; TLS and the API key come from the TEMPORAL_* environment).
   */
  temporal?: { address: string; namespace: string; giveUpMs?: number };
  /** The worker's shared check of Hugging Face jobs (hf-jobs/jobs-watch.ts). */
  jobsWatch?: JobsWatch;
  /** The receiver's public URL (PUBLIC_URL): AutoTrain's discussion webhook must send to it, when it is known. */
  receiverUrl?: string;
  /**
   * The webhook secret, from which each Jobs run's end-notice token is derived (hf-jobs/end-notice.ts); with
   * receiverUrl, a job posts its end to the receiver. It never leaves the worker.
   */
  webhookSecret?: string;
}
