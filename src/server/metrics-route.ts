import type { NextFunction, Request, Response } from 'express';
import type { ReceiverMetrics } from '../observability/metrics';

/** GET /metrics: the receiver's registry in the Prometheus text format. */
export function metricsRoute(metrics: ReceiverMetrics) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    metrics
      .text()
      .then(({ contentType, body }) => void res.type(contentType).send(body))
      .catch(next);
  };
}
