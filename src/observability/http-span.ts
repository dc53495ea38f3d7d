/**
 * The receiver's HTTP server span: one per request, a child of the caller's `traceparent` if it sent one.
 * The span's context is kept beside the response, because body parsing resumes handlers outside the request's
 * async context; `inRequestContext` puts it back around the signalWithStart so the Temporal client
 * interceptor parents its span (and the workflow's) to this one.
 */
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { Middleware } from '../server/middleware';
import { pathOf } from '../server/request-log';

const contexts = new WeakMap<ServerResponse, Context>();

export function httpServerSpans(tracer: Tracer): Middleware {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    // The path only: a query string may carry the webhook secret (`?secret=`).
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
    const span = tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': path, 'url.scheme': scheme },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    contexts.set(res, ctx);
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(ctx, next);
  };
}

/** Runs `fn` inside the request's span context (no-op when tracing is off). */
export function inRequestContext<T>(res: ServerResponse, fn: () => T): T {
  const ctx = contexts.get(res);
  return ctx ? context.with(ctx, fn) : fn();
}
