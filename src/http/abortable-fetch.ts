/**
 * A fetch whose every request is also aborted by `signal` (an activity's cancellation), on top of any signal the
 * caller gives (a request timeout): a cancelled activity drops its downloads at once instead of finishing them.
 */
export function fetchAbortedBy(signal: AbortSignal, base: typeof fetch = fetch): typeof fetch {
  return (input, init) =>
    base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
}
