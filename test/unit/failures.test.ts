import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../src/activities/failures';
import {
  HttpError,
  MalformedResponseError,
  MissingCredentialsError,
  NetworkError,
  networkError,
  parseRetryAfter,
  safeUrl,
} from '../../src/http/http-error';
import { findUnansweredWrite, outcomeUnknown } from '../../src/http/unknown-outcome';

const http = (status: number, retryAfterMs?: number) =>
  new HttpError('POST', 'https://x/api', status, 'detail', retryAfterMs);

describe('error classification', () => {
  test.each([400, 401, 403, 404, 409, 422])('%i is non-retryable', (status) => {
    const failure = toActivityFailure(http(status)) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('HttpClientError');
  });

  test.each([408, 429, 500, 502, 503])('%i is retryable', (status) => {
    const failure = toActivityFailure(http(status)) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(false);
  });

  test('Retry-After sets the next retry delay, within bounds', () => {
    expect((toActivityFailure(http(429, 7000)) as ApplicationFailure).nextRetryDelay).toBe(7000);
    expect((toActivityFailure(http(429, 0)) as ApplicationFailure).nextRetryDelay).toBe(100);
    expect((toActivityFailure(http(503, 3_600_000)) as ApplicationFailure).nextRetryDelay).toBe(600_000);
  });

  test('network failures and unusable bodies are retryable; a missing credential is not', () => {
    expect((toActivityFailure(new NetworkError('GET', 'u', 'ECONNREFUSED')) as ApplicationFailure).nonRetryable).toBe(
      false,
    );
    expect(
      (toActivityFailure(new MalformedResponseError('GET', 'u', 'not JSON')) as ApplicationFailure).nonRetryable,
    ).toBe(false);
    expect(
      (toActivityFailure(new MissingCredentialsError('HF_TOKEN is not set')) as ApplicationFailure).nonRetryable,
    ).toBe(true);
  });

  test('Retry-After in seconds, as an HTTP date, or from the Hub RateLimit header', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now)).toBe(10_000);
    expect(parseRetryAfter(new Headers({ ratelimit: '"api";r=0;t=42' }))).toBe(42_000);
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });

  test('URLs in errors lose their query string and credentials', () => {
    expect(safeUrl('https://user:pw@host/path?secret=abc')).toBe('https://host/path');
  });
});

describe('writes whose outcome is unknown', () => {
  const refused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });
  const reset = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
  });
  const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

  test('a timeout or a connection lost after sending may have been carried out; a refused connection not', () => {
    expect(outcomeUnknown(networkError('POST', 'https://x/api?secret=1', timeout))).toBe(true);
    expect(outcomeUnknown(networkError('POST', 'https://x/api', reset))).toBe(true);
    const notSent = networkError('POST', 'https://x/api', refused);
    expect(outcomeUnknown(notSent)).toBe(false);
    expect(notSent.message).toBe('POST https://x/api failed: connect ECONNREFUSED 127.0.0.1:1');
  });

  test("a gateway's 502 or 504 leaves the outcome unknown; other answers do not", () => {
    expect([502, 504].map((s) => outcomeUnknown(http(s)))).toEqual([true, true]);
    expect([400, 409, 429, 500, 503].map((s) => outcomeUnknown(http(s)))).toEqual([false, false, false, false, false]);
  });

  test('looking for an unanswered write stops when it is found, or when the window has passed', async () => {
    let looks = 0;
    expect(await findUnansweredWrite(async () => (++looks === 3 ? 'job' : undefined), 5_000, 10)).toBe('job');
    expect(looks).toBe(3);
    // A look that fails counts as not found; the window ends the search.
    expect(await findUnansweredWrite(() => Promise.reject(new Error('down')), 100, 10)).toBeUndefined();
  });
});
