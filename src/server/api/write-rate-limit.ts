import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

/**
 * The write API (trigger, approve, reject, cancel) is rate-limited per client address, including failed
 * attempts, so the admin token cannot be guessed at speed and a script cannot flood the pipelines.
 *
 * One limiter (one counter per client) that the API router puts on each write route, after the route has
 * matched: Express matches routes ignoring case and a trailing slash, so every spelling that reaches a write
 * route (`/API/pipelines/x/trigger`, `/api/Runs/.../cancel/`) is counted. A limiter in front of the router that
 * compared the path itself was skipped by such spellings (issue 15).
 */
export function writeRateLimit(limitPerMinute = 30): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ error: `too many write requests: at most ${limitPerMinute} a minute` });
    },
  });
}
