/**
 * Announcing a run's outcome: on the dataset's Community tab (the notify activity skips local datasets)
 * and, when the pipeline names one, to `notify.webhook_url`. Each channel is its own activity, so a
 * failing receiver is retried without posting the discussion twice.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { AnnouncementKind } from '../activities/announcements';
import { announcementFacts, describe } from './announcement';
import type { RetrainInput, RetrainProgress } from './definitions';
import { stepActivities } from './retrain-activities';

export interface AnnounceOptions {
  /** The activity proxies to post with (compensations use their own); the steps' by default. */
  activities?: Pick<typeof stepActivities, 'notify' | 'notifyWebhook'>;
  /**
   * A failure to post on the Hub is the run's failure (the approval request, which people must see to act);
   * otherwise it is logged and recorded in the progress, and the run's outcome stands.
   */
  critical?: boolean;
}

export async function announce(
  input: RetrainInput,
  progress: RetrainProgress,
  kind: AnnouncementKind,
  { activities = stepActivities, critical = false }: AnnounceOptions = {},
): Promise<void> {
  const facts = { kind, ...announcementFacts(input, progress) };
  try {
    const posted = await activities.notify(facts);
    if (posted.url) progress.links.discussion = posted.url;
  } catch (err) {
    if (critical || isCancellation(err)) throw err;
    log.warn('could not post the announcement', { kind, error: describe(err) });
    progress.announcementErrors = [...(progress.announcementErrors ?? []), `discussion: ${describe(err)}`];
  }
  if (!input.pipeline.notify?.webhook_url) return;
  try {
    await activities.notifyWebhook(facts);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('could not deliver the outgoing webhook', { kind, error: describe(err) });
    progress.announcementErrors = [...(progress.announcementErrors ?? []), `webhook: ${describe(err)}`];
  }
}
