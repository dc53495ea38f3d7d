import type { Context } from '@opentelemetry/api';

declare global {
  namespace Express {
    /** What the receiver's common middleware leaves in `res.locals` for the handlers after it. */
    interface Locals {
      /** This answer's Content-Security-Policy nonce (security-headers.ts). */
      cspNonce?: string;
      /** The request's HTTP span context, tracing on (observability/http-span.ts). */
      spanContext?: Context;
    }
  }
}
