import type { Logger } from 'pino';
import type { Middleware } from './middleware';

/**
 * One line per request at info level: method, path (never the query string, which may carry the secret),
 * status, time. Nothing is attached when info is not logged (LOG_LEVEL=warn in production).
 */
export function requestLog(logger: Logger): Middleware {
  return (req, res, next) => {
    if (logger.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      const path = pathOf(req.url);
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      });
    }
    next();
  };
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
