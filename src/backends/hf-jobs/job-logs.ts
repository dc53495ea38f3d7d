/**
 * The tail of a job's log from `GET /api/jobs/{ns}/{id}/logs?tail=N` (Server-Sent Events). Hand-written:
 * @huggingface/hub's streamJobLogs takes neither `tail` nor a way to stop, and the stream stays open while
 * the job runs, so a status check would hang on it or leak the connection.
 */
import { HttpError, safeUrl } from '../../http/http-error';
import { withQuery } from '../../http/request-json';

/** The first event of every log; not training output. */
const BANNER = /^===== Job started at .* =====$/;

export interface LogTailOptions {
  lines: number;
  /** Stop once no event has arrived for this long (the backlog comes at once, then the stream waits). */
  idleMs?: number;
  /** Never read longer than this (a chatty job's stream is never idle). */
  maxMs?: number;
  fetch: typeof fetch;
}

/** Splits SSE text into the data of each complete event (comments such as `: keep-alive` carry none). */
export function parseSse(text: string): { data: string[]; rest: string } {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const data = blocks
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((d) => d !== '');
  return { data, rest };
}

/** The line of a log event `{"data": "<line>", "timestamp": "<ISO>"}`; undefined for the banner and blanks. */
export function logLine(eventData: string): string | undefined {
  let line = eventData;
  try {
    const parsed: unknown = JSON.parse(eventData);
    if (typeof parsed === 'object' && parsed !== null && 'data' in parsed && typeof parsed.data === 'string') {
      line = parsed.data;
    }
  } catch {
    // not JSON: the event is the line itself
  }
  line = line.trimEnd();
  return line === '' || BANNER.test(line) ? undefined : line;
}

/** Reads the log until the stream ends, goes quiet for `idleMs`, or `maxMs` passes; returns the last lines. */
export async function readLogTail(url: string, token: string, options: LogTailOptions): Promise<string[]> {
  const { lines: count, idleMs = 1000, maxMs = 5000 } = options;
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), maxMs);
  let idle: NodeJS.Timeout | undefined;
  const stillListening = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };
  const lines: string[] = [];
  try {
    const response = await options.fetch(withQuery(url, { tail: String(count) }), {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new HttpError('GET', safeUrl(url), response.status, detail, undefined);
    }
    if (!response.body) return [];
    stillListening();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const { data, rest } = parseSse(buffered + decoder.decode(value, { stream: true }));
      buffered = rest;
      for (const event of data) {
        const line = logLine(event);
        if (line !== undefined) lines.push(line);
      }
      if (data.length > 0) stillListening();
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    controller.abort();
  }
  return lines.slice(-count);
}
