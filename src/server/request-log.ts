import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * One line per request at info level: method, path (never the query string, which may carry the secret),
 * status, time. Nothing is attached when info is not logged (LOG_LEVEL=warn in production).
 */
export function logRequest(logger: Logger, req: IncomingMessage, res: ServerResponse, path: () => string): void {
  if (!logger.isLevelEnabled('info')) return;
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info({ method: req.method, path: path(), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  });
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
