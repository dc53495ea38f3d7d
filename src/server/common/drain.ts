/**
 * Graceful shutdown of the receiver. On SIGTERM it starts draining: /readyz answers 503 and a new delivery
 * gets 503 + Retry-After (the Hub retries it later, against whoever is up) with `Connection: close`, while
 * every request already being handled runs to its answer. Then the listener closes (new connections are
 * refused) and the receiver waits, within the grace time, for the last in-flight request.
 */
import type { RequestHandler } from 'express';

export class Drain {
  private started = false;
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  get draining(): boolean {
    return this.started;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  start(): void {
    this.started = true;
  }

  /** Counts requests from arrival to the end of their response; marks answers given while draining. */
  track(): RequestHandler {
    return (_req, res, next) => {
      this.inFlight += 1;
      res.once('close', () => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
      });
      if (this.started) res.setHeader('Connection', 'close');
      next();
    };
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }
}
