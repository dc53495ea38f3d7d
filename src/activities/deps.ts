/**
 * What the activities take from the worker, declared below the activities that consume it (each takes its Pick)
 * and below the composition root that fills it (worker.ts, from the validated environment).
 */
import type { BackendDeps } from '../backends/deps';
import type { CheckSchedule } from './check-schedule';

/**
 * What the activities are configured with. The backends take it as it is, with the Hub client made from it
 * (BackendDeps), and the other activities their Pick of it.
 */
export interface ActivityDeps extends Omit<BackendDeps, 'hub' | 'notices'> {
  /** HF_ENDPOINT. */
  hubEndpoint: string;
  temporalUiUrl?: string;
  publicUrl?: string;
  /** The Temporal namespace, for links to runs. */
  namespace: string;
  /** Overrides when the periodic status checks of a waiting run come (tests make them rare). */
  checkSchedule?: CheckSchedule;
  /**
   * Where Temporal is, as this worker reached it: a local trainer's supervisor tells the run through it when the
   * trainer exits (TLS and the API key come from the TEMPORAL_* environment). Unset: local runs are only checked.
   */
  temporal?: { address: string; namespace: string; giveUpMs?: number };
  /** Tells a run that its training may have ended (a trainingEnded signal): the worker's shared Jobs check uses it. */
  tellRun?: (workflowId: string) => Promise<void>;
  /** WEBHOOK_SECRET: with publicUrl, each Jobs run's job posts its end to the receiver (hf-jobs/end-notice.ts). */
  webhookSecret?: string;
  /** The receiver as this worker reaches it, for the local deploy target (default: publicUrl). */
  receiverUrl?: string;
}
