/**
 * Plain Node request handlers and middleware, in the connect shape Express accepts as it is: the receiver's
 * common middleware (request log, security headers, drain tracking, HTTP span) is written once in this shape
 * and runs both in the Express app and on the webhook fast path (serve.ts), which has no Express around it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;
export type Next = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
export type ErrorHandler = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;

/** `handler` behind `middleware`, in order, as Express would run them; an error passed to next goes to `onError`. */
export function withMiddleware(middleware: readonly Middleware[], handler: Handler, onError: ErrorHandler): Handler {
  return (req, res) => {
    let index = 0;
    const next: Next = (err) => {
      if (err) return onError(err, req, res);
      const current = middleware[index++];
      try {
        if (current) current(req, res, next);
        else handler(req, res);
      } catch (e) {
        onError(e, req, res);
      }
    };
    next();
  };
}
