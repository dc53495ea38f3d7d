import type { Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { formatPath } from '../../config/format-issues';
import type { ErrorResponse } from './api-schemas';
import { TemporalUnavailableError } from '../common/temporal-call';

/** The thing asked for does not exist (unknown pipeline, unknown run). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** The request is understood but the run is not in a state that allows it (closed, not awaiting approval). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

const RETRY_AFTER_SECONDS = 5;

export const MALFORMED_PATH = 'malformed percent-encoding in the path';

/**
 * A route parameter whose percent-encoding does not decode (`/api/runs/%ff%fe`): Express's router throws the
 * URIError of decodeURIComponent (with status 400) while matching, before any handler runs.
 */
export function isMalformedPath(err: unknown): boolean {
  return err instanceof URIError;
}

export function sendError(res: Response, status: number, body: ErrorResponse): void {
  res.status(status).json(body);
}

export function sendValidationError(res: Response, what: string, error: z.ZodError): void {
  sendError(res, 400, {
    error: `invalid ${what}`,
    issues: error.issues.slice(0, 20).map((i) => ({ path: formatPath(i.path), message: i.message })),
  });
}

/** Maps the errors the API's handlers raise to status codes; anything unexpected is a logged 500. */
export function sendApiError(res: Response, err: unknown, logger: Logger): void {
  if (err instanceof NotFoundError) return sendError(res, 404, { error: err.message });
  if (err instanceof ConflictError) return sendError(res, 409, { error: err.message });
  if (err instanceof TemporalUnavailableError) {
    logger.warn({ err: { message: err.message } }, 'Temporal unavailable for an API request');
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    return sendError(res, 503, { error: err.message });
  }
  logger.error({ err: { message: (err as Error).message } }, 'API request failed');
  sendError(res, 500, { error: 'internal error' });
}
