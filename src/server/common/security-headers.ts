import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy of every answer: nothing but this origin, framed only by the Hub (a Docker Space
 * shows the app in an iframe on huggingface.co) and by itself.
 */
const DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'self'", 'https://huggingface.co', 'https://*.hf.space'],
  formAction: ["'self'"],
};

/**
 * helmet's security headers on every answer, with the fixed CSP above: JSON answers run no script, so they need
 * no nonce, and the header is computed once rather than per answer.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { directives: DIRECTIVES },
    // frame-ancestors replaces X-Frame-Options, which cannot allow the Hub.
    xFrameOptions: false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * For an HTML page with inline script and style (the status page): a fresh nonce per answer, in `res.locals`,
 * and a CSP that lets them run with it and nothing else inline.
 */
export function pageWithNonce(): RequestHandler {
  // helmet calls directive functions with the Node response, which Express has made its own.
  const nonce = (_req: unknown, res: ServerResponse) => `'nonce-${cspNonce(res as Response)}'`;
  const csp = helmet.contentSecurityPolicy({
    directives: { ...DIRECTIVES, scriptSrc: ["'self'", nonce], styleSrc: ["'self'", nonce] },
  });
  return (req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    csp(req, res, next);
  };
}

/** The nonce this answer's Content-Security-Policy allows inline script and style with. */
export function cspNonce(res: Response): string {
  return res.locals.cspNonce ?? '';
}
