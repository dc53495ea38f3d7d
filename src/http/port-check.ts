import { createServer } from 'node:net';

/** A port a part of the service needs is taken; the message says which variable moves it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether something listens on `port` (on `host`, or any address). Binding is the test that matters: a
 * server on 0.0.0.0 or [::] also makes a bind on 127.0.0.1 fail with EADDRINUSE.
 */
export async function portInUse(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else reject(err);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** A port nothing listens on now (the OS picks it). */
export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
