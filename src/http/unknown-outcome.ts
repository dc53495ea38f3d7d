/**
 * A write whose answer never came may still have been carried out: the service got the request and finished
 * it after our client gave up, the connection broke after the request was sent, or a gateway answered 502/504
 * while the service behind it went on. Retrying at once would do the work twice (a second job, a second
 * announcement); the retry must first find what the unanswered request did.
 */
import { HttpError, NetworkError } from './http-error';

/** How long to keep looking for an unanswered write's work (a step has two minutes in all). */
export const UNKNOWN_OUTCOME_WINDOW_MS = 30_000;
const LOOK_EVERY_MS = 2_000;

/** The request may have been carried out although we have no answer. */
export function outcomeUnknown(err: unknown): boolean {
  if (err instanceof NetworkError) return err.mayHaveArrived;
  return err instanceof HttpError && (err.status === 502 || err.status === 504);
}

/**
 * Looks for what an unanswered write may have done, every few seconds, until `find` returns it or the window
 * has passed (then undefined: the caller fails, and the retry writes again). A failed look counts as not found.
 */
export async function findUnansweredWrite<T>(
  find: () => Promise<T | undefined>,
  windowMs = UNKNOWN_OUTCOME_WINDOW_MS,
  everyMs = LOOK_EVERY_MS,
): Promise<T | undefined> {
  const deadline = Date.now() + windowMs;
  for (;;) {
    const found = await find().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() + everyMs > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
