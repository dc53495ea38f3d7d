/**
 * Webhook deliveries in the Hub's version-3 format, sent over HTTP like the Hub sends them, and a ledger of
 * what the receiver answered: the invariants start from what was acknowledged (202).
 */
import { randomBytes } from 'node:crypto';

export interface DeliveryRecord {
  pipeline: string;
  dataset: string;
  revision: string;
  /** The HTTP status, or undefined when the request failed (connection refused or reset). */
  status?: number;
  retryAfter?: string | null;
  error?: string;
  at: number;
}

/** A `repo.content` update of `main` on a dataset, as the Hub posts it. */
export function contentUpdate(
  dataset: string,
  newSha: string,
  oldSha: string | null = null,
  webhookId = randomBytes(12).toString('hex'),
): Record<string, unknown> {
  return {
    event: { action: 'update', scope: 'repo.content' },
    repo: {
      type: 'dataset',
      name: dataset,
      id: randomBytes(12).toString('hex'),
      private: false,
      url: { web: `https://huggingface.co/datasets/${dataset}`, api: `https://huggingface.co/api/datasets/${dataset}` },
      headSha: newSha,
      owner: { id: randomBytes(12).toString('hex') },
    },
    updatedRefs: [{ ref: 'refs/heads/main', oldSha, newSha }],
    webhook: { id: webhookId, version: 3 },
  };
}

export class DeliveryLedger {
  readonly records: DeliveryRecord[] = [];

  constructor(private readonly secret: string) {}

  /** POSTs one delivery to `url` and records the answer (or the failure to get one). */
  async deliver(
    url: string,
    pipeline: string,
    dataset: string,
    revision: string,
    webhookId?: string,
  ): Promise<DeliveryRecord> {
    const record: DeliveryRecord = { pipeline, dataset, revision, at: Date.now() };
    try {
      const res = await fetch(`${url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': this.secret },
        body: JSON.stringify(contentUpdate(dataset, revision, null, webhookId)),
        signal: AbortSignal.timeout(30_000),
      });
      record.status = res.status;
      record.retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    } catch (err) {
      record.error =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    this.records.push(record);
    return record;
  }

  /** Delivers until the receiver answers 202, as the Hub retries a failed delivery. */
  async deliverUntilAccepted(
    url: string,
    pipeline: string,
    dataset: string,
    revision: string,
    timeoutMs = 120_000,
  ): Promise<DeliveryRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.deliver(url, pipeline, dataset, revision);
      if (record.status === 202) return record;
      if (Date.now() > deadline)
        throw new Error(`delivery of ${dataset}@${revision} never accepted (last: ${record.status ?? record.error})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  acknowledged(): DeliveryRecord[] {
    return this.records.filter((r) => r.status === 202);
  }
}
