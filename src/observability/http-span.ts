/**
 * The receiver's HTTP server span: one per request, a child of the caller's `traceparent` if it sent one.
 * The span's context is kept on the response, because body parsing resumes handlers outside the request's
 * async context; `inRequestContext` puts it back around the signalWithStart so the Temporal client
 * interceptor parents its span (and the workflow's) to this one.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';

const CONTEXT_KEY = 'traceContext';

export function httpServerSpans(tracer: Tracer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    // The path only: a query string may carry the webhook secret (`?secret=`).
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path, 'url.scheme': req.protocol },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    (res.locals as Record<string, unknown>)[CONTEXT_KEY] = ctx;
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(ctx, next);
  };
}

/** Runs `fn` inside the request's span context (no-op when tracing is off). */
export function inRequestContext<T>(res: Response, fn: () => T): T {
  const ctx = (res.locals as Record<string, unknown>)[CONTEXT_KEY] as Context | undefined;
  return ctx ? context.with(ctx, fn) : fn();
}
