import { HttpError, isRetryableStatus, networkError, parseRetryAfter, safeUrl } from '../http/http-error';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The fetch that @huggingface/hub calls go through: a timeout on every request, and transient answers
 * (isRetryableStatus, and connection failures) raised as our own retryable errors with Retry-After, which the
 * library would otherwise flatten. Other answers pass through for the library to interpret.
 */
export function hubFetch(base: typeof fetch = fetch, timeoutMs: number = DEFAULT_TIMEOUT_MS): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? 'GET';
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    let response: Response;
    try {
      response = await base(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw networkError(method, url, err);
    }
    if (isRetryableStatus(response.status)) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new HttpError(method, safeUrl(url), response.status, detail, parseRetryAfter(response.headers));
    }
    return response;
  };
}
