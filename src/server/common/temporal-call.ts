import type { Client } from '@temporalio/client';

/** Temporal did not answer in time or could not be reached: the API answers 503. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

/**
 * Runs `fn` (one or more Temporal calls) with a gRPC deadline and an abort signal, and also bounds it with a
 * timer: gRPC's reconnect backoff can outlast a deadline, and a request must never hang. Any failure to
 * reach Temporal in time becomes a TemporalUnavailableError; answers (not found, ...) pass through.
 */
export async function withinDeadline<T>(client: Client, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TemporalUnavailableError(`Temporal did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const call = client.connection.withDeadline(Date.now() + timeoutMs, () =>
    client.connection.withAbortSignal(controller.signal, fn),
  );
  try {
    return await Promise.race([call, timeout]);
  } catch (err) {
    if (isUnavailable(err)) throw new TemporalUnavailableError(`Temporal is not reachable: ${(err as Error).message}`);
    throw err;
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined); // settled after the race: nothing left to report
  }
}

/** gRPC UNAVAILABLE (14), DEADLINE_EXCEEDED (4), CANCELLED (1, our abort), possibly wrapped by the SDK. */
function isUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof TemporalUnavailableError) return false; // already classified
    const code = (current as { code?: unknown }).code;
    if (code === 14 || code === 4 || code === 1) return true;
    current = current.cause;
  }
  return false;
}
