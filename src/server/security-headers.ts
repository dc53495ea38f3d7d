import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** The nonce this answer's Content-Security-Policy allows inline script and style with (in `res.locals`). */
export function cspNonce(res: Response): string {
  return res.locals.cspNonce ?? '';
}

/**
 * helmet's security headers on every answer. The status page's inline script and style run only with the
 * per-response nonce in its Content-Security-Policy; it may be framed by the Hub (a Docker Space shows the
 * app in an iframe on huggingface.co) and by itself, nothing else.
 */
export function securityHeaders(): RequestHandler {
  // helmet calls directive functions with the Node response, which Express has made its own.
  const nonce = (_req: unknown, res: ServerResponse) => `'nonce-${cspNonce(res as Response)}'`;
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
  return (req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    headers(req, res, next);
  };
}
