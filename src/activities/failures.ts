import { ApplicationFailure } from '@temporalio/activity';
import { HubApiError } from '@huggingface/hub';
import { PermanentBackendError } from '../errors';
import {
  HttpError,
  isRetryableStatus,
  MalformedResponseError,
  MissingCredentialsError,
  NetworkError,
} from '../http/http-error';

/** Never wait longer than this for a single retry, whatever Retry-After says. */
const MAX_RETRY_DELAY_MS = 10 * 60_000;

/**
 * Turns an error from a backend or the Hub into the failure Temporal should see: an HTTP answer is retryable
 * or not by isRetryableStatus (http-error.ts), waiting `Retry-After` where the service gave one; network
 * failures and unusable bodies are retryable. Everything else keeps the activity's retry policy.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof HttpError) return httpFailure(err.message, err.status, err.retryAfterMs);
  if (err instanceof HubApiError) return httpFailure(err.message, err.statusCode, undefined);
  if (err instanceof NetworkError || err instanceof MalformedResponseError) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: false });
  }
  if (err instanceof MissingCredentialsError || err instanceof PermanentBackendError) {
    return ApplicationFailure.nonRetryable(err.message, err.name);
  }
  return err;
}

function httpFailure(message: string, status: number, retryAfterMs: number | undefined): ApplicationFailure {
  const retryable = isRetryableStatus(status);
  return ApplicationFailure.create({
    message,
    type: retryable ? 'HttpRetryableError' : 'HttpClientError',
    nonRetryable: !retryable,
    details: [{ status }],
    nextRetryDelay:
      retryable && retryAfterMs !== undefined ? Math.max(100, Math.min(retryAfterMs, MAX_RETRY_DELAY_MS)) : undefined,
  });
}

/** Wraps every method of an activity object so its errors are classified on the way out. */
export function classifyFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return wrapped as T;
}
