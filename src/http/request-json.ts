import { HttpError, MalformedResponseError, NetworkError, networkError, parseRetryAfter, safeUrl } from './http-error';

export interface RequestOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`; never included in errors or logs. */
  token?: string;
  /** More request headers (e.g. X-Webhook-Secret); like the token, never included in errors or logs. */
  headers?: Record<string, string>;
  body?: unknown;
  query?: Record<string, string | string[] | undefined>;
  timeoutMs?: number;
  /** Statuses that are answers rather than errors (e.g. 404 when probing for existence). */
  accept?: number[];
  fetch?: typeof fetch;
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function withQuery(url: string, query: RequestOptions['query']): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(key, v);
  }
  return u.toString();
}

/**
 * One JSON request with a timeout. Non-2xx (outside `accept`) becomes an HttpError carrying the status and
 * Retry-After; a failed connection a NetworkError; an unparsable 2xx body a MalformedResponseError.
 */
export async function requestJson<T = unknown>(url: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const target = withQuery(url, options.query);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(target, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (err) {
    // A fetch that classifies answers itself (hubFetch) has already said what went wrong: keep its verdict.
    if (err instanceof HttpError || err instanceof NetworkError) throw err;
    throw networkError(method, url, err);
  }

  const accepted = options.accept?.includes(response.status) ?? false;
  if (!response.ok && !accepted) {
    throw new HttpError(method, safeUrl(url), response.status, errorDetail(text), parseRetryAfter(response.headers));
  }
  let body: unknown = undefined;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      if (response.ok) throw new MalformedResponseError(method, safeUrl(url), `not JSON: ${truncate(text, 120)}`);
      body = { error: truncate(text, 200) };
    }
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

/** The service's own explanation (`error`, `detail`, `message`), short. */
function errorDetail(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const { error, detail, message } = parsed as Record<string, unknown>;
      const found = error ?? detail ?? message;
      if (found !== undefined) return truncate(typeof found === 'string' ? found : JSON.stringify(found), 300);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return truncate(text.trim(), 300);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
