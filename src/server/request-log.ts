import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * One line per request at info level: method, path (never the query string, which may carry the secret),
 * status, time. Nothing is attached when info is not logged (LOG_LEVEL=warn in production).
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (logger.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      const { method, path } = req;
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      });
    }
    next();
  };
}
