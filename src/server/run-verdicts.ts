/**
 * The promotion verdict of runs that succeeded, read once from what each run recorded (its result, in its
 * history) and kept: a closed run's result never changes, so a list refreshed every few seconds costs one
 * read per run, ever. Nothing here asks a worker.
 */
import type { Client } from '@temporalio/client';
import type { RetrainResult } from '../workflows/definitions';
import type { PromotionView } from './api-schemas';
import { promotionView } from './run-views';
import { withinDeadline } from './temporal-call';

const KEEP = 5_000;

export class RunVerdicts {
  /** null: the run succeeded without a verdict (no evaluation, or an older run). */
  private readonly known = new Map<string, PromotionView | null>();

  constructor(
    private readonly client: Client,
    private readonly timeoutMs: number,
  ) {}

  /** The verdict of a run that has ended successfully; undefined when it has none or it cannot be read now. */
  async of(workflowId: string): Promise<PromotionView | undefined> {
    const cached = this.known.get(workflowId);
    if (cached !== undefined) return cached ?? undefined;
    let verdict: PromotionView | null;
    try {
      const result = await withinDeadline(this.client, this.timeoutMs, () =>
        this.client.workflow.getHandle<() => Promise<RetrainResult>>(workflowId).result(),
      );
      verdict = result?.promotion ? promotionView(result.promotion) : null;
    } catch {
      return undefined; // not known now (Temporal slow, the run gone): asked again next time
    }
    if (this.known.size >= KEEP) this.known.delete(this.known.keys().next().value as string);
    this.known.set(workflowId, verdict);
    return verdict ?? undefined;
  }

  /** The verdicts of the given runs (only those that succeeded are looked up), by workflow id. */
  async ofMany(runs: ReadonlyArray<{ workflowId: string; succeeded: boolean }>): Promise<Map<string, PromotionView>> {
    const out = new Map<string, PromotionView>();
    await Promise.all(
      runs
        .filter((r) => r.succeeded && r.workflowId)
        .map(async (r) => {
          const verdict = await this.of(r.workflowId);
          if (verdict) out.set(r.workflowId, verdict);
        }),
    );
    return out;
  }
}
