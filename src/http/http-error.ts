/**
 * Errors from talking to a remote service, classified where they arise so nothing else guesses:
 * `retryable` says whether the same request may succeed later, `retryAfterMs` how long to wait.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly method: string,
    /** The URL without its query string (which may carry a secret). */
    readonly url: string,
    readonly status: number,
    readonly detail: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${method} ${url} answered ${status}${detail ? `: ${detail}` : ''}`);
  }

  get retryable(): boolean {
    return isRetryableStatus(this.status);
  }
}

/** The one rule for HTTP answers: 408, 429 and 5xx may succeed later; any other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A request that failed in a way the same request may not meet again: retryable. */
abstract class TransientRequestError extends Error {
  readonly retryable = true;
  constructor(
    readonly method: string,
    /** The URL without its query string (which may carry a secret). */
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service could not be reached or did not answer in time. */
export class NetworkError extends TransientRequestError {
  override readonly name = 'NetworkError';
  constructor(
    method: string,
    url: string,
    reason: string,
    /**
     * The request may have reached the service (it timed out, or the connection broke after it was sent), so
     * a write may have been carried out. False only when the connection was never made.
     */
    readonly mayHaveArrived = true,
  ) {
    super(method, url, `${method} ${url} failed: ${reason}`);
  }
}

/** Node's codes for a connection that was never made: nothing reached the service. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The NetworkError for what fetch threw: its reason, and whether the request may have arrived. */
export function networkError(method: string, url: string, err: unknown): NetworkError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new NetworkError(method, safeUrl(url), reason, !(typeof code === 'string' && NOT_CONNECTED.has(code)));
}

/** The service answered 2xx with a body we cannot use (bad JSON, wrong shape). Proxies do this. */
export class MalformedResponseError extends TransientRequestError {
  override readonly name = 'MalformedResponseError';
  constructor(method: string, url: string, reason: string) {
    super(method, url, `${method} ${url} answered with an unusable body: ${reason}`);
  }
}

/** The same request may succeed later: a retryable answer, a network failure, or an unusable body. */
export function isTransient(err: unknown): boolean {
  return (err instanceof HttpError && err.retryable) || err instanceof TransientRequestError;
}

/** `Retry-After` (seconds or an HTTP date) or the Hub's `RateLimit: ...;t=<seconds>`, in milliseconds. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = headers.get('ratelimit');
  const reset = rateLimit ? /(?:^|;)\s*t=(\d+)/.exec(rateLimit) : null;
  return reset ? Number(reset[1]) * 1000 : undefined;
}

/** Strips the query string and any userinfo so an error message never carries a credential. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** A required credential is not configured: retrying cannot help. */
export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentials';
}

/** The Hugging Face token, or a MissingCredentialsError saying what needs it (`needs`: "publishing a model needs ..."). */
export function requireHfToken(token: string | undefined, needs: string): string {
  if (!token) throw new MissingCredentialsError(`HF_TOKEN is not set: ${needs}`);
  return token;
}
