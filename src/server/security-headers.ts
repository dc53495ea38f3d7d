import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's security headers on every answer. The status page's inline script and style run only with the
 * per-response nonce in its Content-Security-Policy; it may be framed by the Hub (a Docker Space shows the
 * app in an iframe on huggingface.co) and by itself, nothing else.
 */
export function securityHeaders() {
  const nonce = (_req: unknown, res: unknown) => `'nonce-${(res as Response).locals.cspNonce as string}'`;
  const headers = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", nonce],
        styleSrc: ["'self'", nonce],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'", 'https://huggingface.co', 'https://*.hf.space'],
        formAction: ["'self'"],
      },
    },
    // frame-ancestors above replaces X-Frame-Options, which cannot allow the Hub.
    xFrameOptions: false,
    crossOriginEmbedderPolicy: false,
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    headers(req, res, next);
  };
}
