/**
 * The receiver's Prometheus metrics (prom-client, served at GET /metrics): deliveries by outcome and
 * pipeline, how long a delivery took to answer, and signals Temporal did not take. Label values come from
 * our own vocabulary and the configured pipeline names, never from a payload (a sender cannot grow the
 * label space) and never a secret.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** How a POST /webhook ended, by status. */
export type DeliveryOutcome =
  | 'recorded'
  | 'ignored'
  | 'unauthorized'
  | 'forbidden'
  | 'unsupported_media_type'
  | 'too_large'
  | 'invalid'
  | 'unavailable'
  | 'draining'
  | 'error';

export function deliveryOutcome(status: number, draining: boolean): DeliveryOutcome {
  switch (status) {
    case 202:
      return 'recorded';
    case 200:
      return 'ignored';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 415:
      return 'unsupported_media_type';
    case 413:
      return 'too_large';
    case 400:
      return 'invalid';
    case 503:
      return draining ? 'draining' : 'unavailable';
    default:
      return 'error';
  }
}

/** A delivery that matched no pipeline, or was refused before routing. */
export const NO_PIPELINE = 'none';

export class ReceiverMetrics {
  readonly registry = new Registry();
  private readonly deliveries = new Counter({
    name: 'hub_retrain_webhook_deliveries_total',
    help: 'Webhook deliveries answered, by outcome and pipeline',
    labelNames: ['outcome', 'pipeline'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'hub_retrain_webhook_duration_seconds',
    help: 'Time from a delivery arriving to its answer, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly signalFailures = new Counter({
    name: 'hub_retrain_signal_failures_total',
    help: 'signalWithStart calls Temporal did not take (the delivery was answered 503)',
    labelNames: ['pipeline'] as const,
    registers: [this.registry],
  });
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'hub_retrain_' });
  }

  delivery(outcome: DeliveryOutcome, pipelines: readonly string[], seconds: number): void {
    for (const pipeline of pipelines.length > 0 ? pipelines : [NO_PIPELINE]) {
      this.deliveries.inc({ outcome, pipeline });
    }
    this.latency.observe({ outcome }, seconds);
  }

  signalFailure(pipeline: string): void {
    this.signalFailures.inc({ pipeline });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
