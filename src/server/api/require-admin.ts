import type { NextFunction, Request, Response } from 'express';
import { sendError } from './api-errors';
import { secretMatches } from '../common/verify-secret';

/**
 * Guards the write API with `Authorization: Bearer <ADMIN_TOKEN>`: 401 when the header is missing, 403 when
 * the token is wrong (compared in constant time), 403 with an explanation when no ADMIN_TOKEN is configured.
 */
export function requireAdmin(adminToken: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!adminToken) {
      return sendError(res, 403, {
        error: 'the write API is disabled: set ADMIN_TOKEN on the receiver (at least 16 characters) to enable it',
      });
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hub-retrain"');
      return sendError(res, 401, { error: 'missing Authorization: Bearer <ADMIN_TOKEN> header' });
    }
    if (!secretMatches(presented, adminToken)) return sendError(res, 403, { error: 'wrong admin token' });
    next();
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
