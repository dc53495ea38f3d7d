import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** A JSON answer, written in one go (what Express's res.json does, less the ETag an API error has no use for). */
export function reply(res: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/** A failure no handler expected: logged (its message only), answered 500 unless an answer is under way. */
export function internalError(logger: Logger, err: unknown, res: ServerResponse): void {
  logger.error({ err: { message: (err as Error).message } }, 'unhandled error in request');
  if (!res.headersSent) reply(res, 500, { error: 'internal error' });
}
