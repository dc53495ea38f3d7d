/**
 * Single flight: callers asking for the same key while a call for it is running share that call's result
 * instead of making their own. The receiver keys Temporal records by pipeline and revision, so a storm of
 * duplicate deliveries (the Hub's Replay button, retries) becomes a few signals instead of one per delivery,
 * and every delivery is still answered only once Temporal holds its event.
 */
export class InFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    const started = call().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  get size(): number {
    return this.running.size;
  }
}
