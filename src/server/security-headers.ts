import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Middleware } from './middleware';

/** Each answer's CSP nonce (kept beside the response: the webhook fast path has no Express `res.locals`). */
const nonces = new WeakMap<ServerResponse, string>();

/** The nonce this answer's Content-Security-Policy allows inline script and style with. */
export function cspNonce(res: ServerResponse): string {
  return nonces.get(res) ?? '';
}

/**
 * helmet's security headers on every answer. The status page's inline script and style run only with the
 * per-response nonce in its Content-Security-Policy; it may be framed by the Hub (a Docker Space shows the
 * app in an iframe on huggingface.co) and by itself, nothing else.
 */
export function securityHeaders(): Middleware {
  const nonce = (_req: unknown, res: ServerResponse) => `'nonce-${cspNonce(res)}'`;
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
    nonces.set(res, randomBytes(16).toString('base64'));
    headers(req, res, next);
  };
}
