/**
 * Whether the Hub delivers a namespace's Space discussions to the receiver (a webhook on the user or organisation
 * with the discussion domain): then AutoTrain's outcome discussion reaches the waiting run at once, and its
 * periodic check is only a safety net. Asked of the Hub's webhook settings (with HF_TOKEN) at most once per
 * namespace and TTL; any failure (a token that may not read webhooks, the Hub down) counts as "not set up", so
 * the run keeps checking every `poll_interval_seconds`.
 */
import { findDiscussionWebhooks, type HubWebhooks } from './hub-webhooks';

const TTL_MS = 10 * 60_000;

export class DiscussionWebhookCheck {
  private readonly known = new Map<string, { at: number; answer: Promise<boolean> }>();

  constructor(
    private readonly webhooks: HubWebhooks,
    /** The receiver's webhook URL (`<PUBLIC_URL>/webhook`), when known: the webhook must send there. */
    private readonly url?: string,
    private readonly ttlMs = TTL_MS,
  ) {}

  isSetUp(namespace: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.known.get(namespace);
    if (cached && now - cached.at < this.ttlMs) return cached.answer;
    const answer = this.webhooks.list().then(
      (all) => findDiscussionWebhooks(all, namespace, this.url).length > 0,
      () => false,
    );
    this.known.set(namespace, { at: now, answer });
    return answer;
  }
}
