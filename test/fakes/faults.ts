import type { NextFunction, Request, Response } from 'express';

/** One scripted misbehaviour of a fake server, for the next `times` matching requests. */
export interface Fault {
  method?: string;
  /** Matches the request path (a string matches as a substring). */
  path: RegExp | string;
  /** Further narrows the match, e.g. on the (parsed) JSON body. */
  when?: (req: Request) => boolean;
  times: number;
  /** Answer with this status... */
  status?: number;
  /** ...and this raw body (default: a JSON error), e.g. malformed JSON with status 200. */
  rawBody?: string;
  /**
   * With `status`: the request is carried out first (the normal route does the work), and its client then gets
   * `status` instead of the route's JSON answer: an answer lost after the fact, e.g. behind a proxy.
   */
  afterWork?: boolean;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Wait this long first (a slow or hanging server); with no status, the request then proceeds. */
  delayMs?: number;
  /**
   * Hold the request until this settles (a gate the test opens), then answer as above. The request goes
   * on even if its client has gone meanwhile, as on a real server that received it.
   */
  hold?: Promise<unknown>;
}

/** A request the fake saw (faulted or not), with when it arrived. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The parsed body, when the fake parses bodies before its faults. */
  body?: unknown;
  at: number;
  /** The status a fault answered with; undefined when the request went on to the normal routes. */
  faultStatus?: number;
  /** The client closed the connection before it had an answer (it gave up, or died). */
  clientGone?: boolean;
  /** When a held or delayed request went on to the normal routes (which then did the work). */
  passedOn?: number;
}

/** Faults a fake applies before its normal routes; `hits` counts how many requests each one took. */
export class FaultPlan {
  private readonly faults: Array<Fault & { hits: number }> = [];
  private readonly entries = new Map<Fault, Fault & { hits: number }>();
  /** Every request that reached the plan, in order of arrival. */
  readonly seen: SeenRequest[] = [];

  add(fault: Fault): this {
    const entry = { ...fault, hits: 0 };
    this.faults.push(entry);
    this.entries.set(fault, entry);
    return this;
  }

  /** How many requests this very fault took. */
  hitsOf(fault: Fault): number {
    return this.entries.get(fault)?.hits ?? 0;
  }

  clear(): void {
    this.faults.length = 0;
    this.entries.clear();
  }

  hits(path: RegExp | string): number {
    return this.faults.filter((f) => String(f.path) === String(path)).reduce((n, f) => n + f.hits, 0);
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const seen: SeenRequest = { method: req.method, path: req.path, body: req.body as unknown, at: Date.now() };
      this.seen.push(seen);
      res.once('close', () => {
        if (!res.writableFinished) seen.clientGone = true;
      });
      const fault = this.faults.find(
        (f) =>
          f.hits < f.times &&
          (!f.method || f.method === req.method) &&
          (typeof f.path === 'string' ? req.path.includes(f.path) : f.path.test(req.path)) &&
          (!f.when || f.when(req)),
      );
      if (!fault) return next();
      fault.hits += 1;
      seen.faultStatus = fault.status;
      const answer = () => {
        if (fault.status === undefined) {
          seen.passedOn = Date.now();
          return next();
        }
        if (res.destroyed || res.headersSent) return;
        if (fault.afterWork) {
          const json = res.json.bind(res);
          const status = fault.status;
          res.json = (() => json.call(res.status(status), { error: `injected ${status}` })) as Response['json'];
          seen.passedOn = Date.now();
          return next();
        }
        if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
        if (fault.rawBody !== undefined) res.status(fault.status).type('application/json').send(fault.rawBody);
        else res.status(fault.status).json({ error: `injected ${fault.status}` });
      };
      const delayed = () => (fault.delayMs ? void setTimeout(answer, fault.delayMs).unref() : answer());
      if (fault.hold) fault.hold.then(delayed, delayed);
      else delayed();
    };
  }
}
