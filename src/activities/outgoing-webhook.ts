import { HttpError, NetworkError, parseRetryAfter, safeUrl } from '../http/http-error';
import type { Announcement } from './announcements';

/**
 * The message for `notify.webhook_url`: Slack-compatible (`text`, in Slack's mrkdwn) plus structured
 * fields for any other receiver. Delivery is at least once; `Idempotency-Key` lets a receiver drop repeats.
 */
export function webhookMessage(a: Announcement, title: string): Record<string, unknown> {
  const lines = [`*${title}*`];
  if (a.error && a.kind !== 'succeeded') lines.push(`What failed: ${a.error}`);
  if (a.promotion) lines.push(a.promotion.reason);
  const metrics = Object.entries(a.metrics).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`);
  if (metrics.length > 0) lines.push(`Metrics: ${metrics.join(', ')}`);
  if (a.links.model) lines.push(`Model: ${a.links.model}`);
  if (a.links.job) lines.push(`Job: ${a.links.job}`);
  return {
    text: lines.join('\n'),
    event: a.kind,
    pipeline: a.pipeline.name,
    dataset: a.pipeline.input_dataset,
    revision: a.revision,
    workflowId: a.workflowId,
    metrics: a.metrics,
    links: a.links,
    promotion: a.promotion ?? null,
    error: a.error ?? null,
  };
}

/** POSTs the message; any 2xx is delivered (Slack answers a plain "ok"); others raise classified errors. */
export async function postWebhook(
  url: string,
  body: Record<string, unknown>,
  idempotencyKey: string,
  fetchImpl: typeof fetch = fetch,
): Promise<number> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
  } catch (err) {
    throw new NetworkError('POST', safeUrl(url), err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) throw new HttpError('POST', safeUrl(url), res.status, '', parseRetryAfter(res.headers));
  return res.status;
}
