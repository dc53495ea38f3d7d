import type { NextFunction, Request, Response } from 'express';

/** One scripted misbehaviour of a fake server, for the next `times` matching requests. */
export interface Fault {
  method?: string;
  /** Matches the request path (a string matches as a substring). */
  path: RegExp | string;
  times: number;
  /** Answer with this status... */
  status?: number;
  /** ...and this raw body (default: a JSON error), e.g. malformed JSON with status 200. */
  rawBody?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Wait this long first (a slow or hanging server); with no status, the request then proceeds. */
  delayMs?: number;
}

/** Faults a fake applies before its normal routes; `hits` counts how many requests each one took. */
export class FaultPlan {
  private readonly faults: Array<Fault & { hits: number }> = [];

  add(fault: Fault): this {
    this.faults.push({ ...fault, hits: 0 });
    return this;
  }

  clear(): void {
    this.faults.length = 0;
  }

  hits(path: RegExp | string): number {
    return this.faults.filter((f) => String(f.path) === String(path)).reduce((n, f) => n + f.hits, 0);
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const fault = this.faults.find(
        (f) =>
          f.hits < f.times &&
          (!f.method || f.method === req.method) &&
          (typeof f.path === 'string' ? req.path.includes(f.path) : f.path.test(req.path)),
      );
      if (!fault) return next();
      fault.hits += 1;
      const answer = () => {
        if (fault.status === undefined) return next();
        if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
        if (fault.rawBody !== undefined) res.status(fault.status).type('application/json').send(fault.rawBody);
        else res.status(fault.status).json({ error: `injected ${fault.status}` });
      };
      if (fault.delayMs) setTimeout(answer, fault.delayMs).unref();
      else answer();
    };
  }
}
