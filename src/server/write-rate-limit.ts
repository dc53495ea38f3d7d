import type { NextFunction, Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';

/**
 * The write API (trigger, approve, reject, cancel) is rate-limited per client address, including failed
 * attempts, so the admin token cannot be guessed at speed and a script cannot flood the pipelines.
 */
export function writeRateLimit(limitPerMinute = 30) {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ error: `too many write requests: at most ${limitPerMinute} a minute` });
    },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || !req.path.startsWith('/api/')) return next();
    void limiter(req, res, next);
  };
}
