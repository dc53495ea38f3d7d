import type { Response } from 'express';
import type { Logger } from 'pino';

/** A failure no handler expected: logged (its message only), answered 500 unless an answer is under way. */
export function internalError(logger: Logger, err: unknown, res: Response): void {
  logger.error({ err: { message: (err as Error).message } }, 'unhandled error in request');
  if (!res.headersSent) res.status(500).json({ error: 'internal error' });
}
