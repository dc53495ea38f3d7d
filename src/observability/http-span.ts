/**
 * The receiver's HTTP server span: one per request, a child of the caller's `traceparent` if it sent one.
 * The span's context is kept in `res.locals`, because body parsing resumes handlers outside the request's
 * async context; `inRequestContext` puts it back around the signalWithStart so the Temporal client
 * interceptor parents its span (and the workflow's) to this one.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';

export function httpServerSpans(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    // The path only: a query string may carry the webhook secret (`?secret=`).
    const { method, path, protocol: scheme } = req;
    const span = tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': path, 'url.scheme': scheme },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    res.locals.spanContext = ctx;
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
  const ctx = res.locals.spanContext;
  return ctx ? context.with(ctx, fn) : fn();
}
