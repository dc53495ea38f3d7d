/**
 * The Hub's webhook settings API (`/api/settings/webhooks`, docs/hub-webhooks-api.md). @huggingface/hub has
 * no webhook functions, so these are hand-written. A webhook belongs to the token's user.
 */
import { z } from 'zod';
import { MalformedResponseError, requireHfToken } from '../http/http-error';
import { requestJson } from '../http/request-json';

/**
 * A watched item. huggingface_hub documents `dataset`, `model`, `space`, `user` and `org`, but the Hub may add
 * kinds (collections, ...): any type is read and shown as it is, so one unknown kind never breaks a listing.
 */
const watchedItemSchema = z.looseObject({
  type: z.string(),
  name: z.string(),
});

/** What the Hub answers for one webhook; unknown fields (job, ...) are tolerated. */
const webhookSchema = z.looseObject({
  id: z.string(),
  url: z.string().nullish(),
  watched: z.array(watchedItemSchema),
  domains: z.array(z.string()),
  secret: z.string().nullish(),
  disabled: z.boolean(),
});

export type HubWebhook = z.output<typeof webhookSchema>;
export type WatchedItem = z.output<typeof watchedItemSchema>;

export interface NewWebhook {
  url: string;
  watched: Array<{ type: 'dataset' | 'model' | 'space' | 'user' | 'org'; name: string }>;
  domains: Array<'repo' | 'discussion' | 'discussions'>;
  secret?: string;
}

export interface HubWebhooksOptions {
  endpoint: string;
  token?: string;
  fetch?: typeof fetch;
}

export class HubWebhooks {
  constructor(private readonly options: HubWebhooksOptions) {}

  /** Every webhook of the token's user. */
  async list(): Promise<HubWebhook[]> {
    const res = await requestJson<unknown>(this.url(), { token: this.token(), fetch: this.options.fetch });
    return this.parse(z.array(webhookSchema), res.body, 'GET');
  }

  async create(webhook: NewWebhook): Promise<HubWebhook> {
    const res = await requestJson<unknown>(this.url(), {
      method: 'POST',
      token: this.token(),
      body: { watched: webhook.watched, url: webhook.url, domains: webhook.domains, secret: webhook.secret },
      fetch: this.options.fetch,
    });
    return this.parse(z.object({ webhook: webhookSchema }), res.body, 'POST').webhook;
  }

  async delete(id: string): Promise<void> {
    await requestJson(this.url(id), { method: 'DELETE', token: this.token(), fetch: this.options.fetch });
  }

  private url(id?: string): string {
    const base = `${this.options.endpoint}/api/settings/webhooks`;
    return id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
  }

  private token(): string {
    return requireHfToken(this.options.token, 'managing Hub webhooks needs a token with write access');
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, method: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new MalformedResponseError(
        method,
        this.url(),
        `unexpected webhook shape: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data;
  }
}

/** The receiver's webhook route under its public URL: `/webhook` appended unless the URL already ends in it. */
export function receiverWebhookUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/webhook')) url.pathname = `${path}/webhook`;
  return url.toString();
}

/** A webhook that already delivers this dataset's repo events to this URL. */
export function findWebhookFor(webhooks: readonly HubWebhook[], dataset: string, url: string): HubWebhook[] {
  return webhooks.filter(
    (w) => sameUrl(w.url ?? '', url) && w.watched.some((item) => item.type === 'dataset' && item.name === dataset),
  );
}

/**
 * The discussion domain as the Hub answers it (huggingface_hub `hf_api.py`, the `get_webhook` example:
 * `domains=["repo", "discussion"]`); its type alias `WEBHOOK_DOMAIN_T`, and the `hf webhooks` CLI, say
 * "discussions". Both are read; "discussion" is sent, and "discussions" when the Hub refuses it.
 */
export const DISCUSSION_DOMAIN = 'discussion';
export const DISCUSSION_DOMAIN_ALIAS = 'discussions';
const isDiscussionDomain = (domain: string) => domain === DISCUSSION_DOMAIN || domain === DISCUSSION_DOMAIN_ALIAS;

/**
 * Enabled webhooks that deliver the discussions of a namespace's Spaces (AutoTrain's training Spaces are
 * `<namespace>/autotrain-<project>`): watching the user or organisation with the discussion domain, sending to `url`
 * when one is given.
 */
export function findDiscussionWebhooks(webhooks: readonly HubWebhook[], namespace: string, url?: string): HubWebhook[] {
  return webhooks.filter(
    (w) =>
      !w.disabled &&
      w.domains.some(isDiscussionDomain) &&
      (url === undefined || sameUrl(w.url ?? '', url)) &&
      w.watched.some((item) => (item.type === 'user' || item.type === 'org') && item.name === namespace),
  );
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '');
  return norm(a) === norm(b);
}
