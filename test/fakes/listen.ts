import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** A fake's HTTP server on a free loopback port. */
export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Listening> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Scripted lifecycles' timers: unref'd, and all cleared when the fake stops. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    t.unref();
    this.pending.add(t);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** A fake whose scripted lifecycles run on timers: it listens on a free loopback port and clears them when it stops. */
export abstract class TimedFake {
  protected readonly timers = new Timers();
  private server?: Listening;
  url = '';

  protected abstract app(): express.Express;

  async start(): Promise<this> {
    this.server = await listen(this.app());
    this.url = this.server.url;
    return this;
  }

  async stop(): Promise<void> {
    this.timers.clear();
    await this.server?.close();
  }
}
