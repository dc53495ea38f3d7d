/**
 * How each finished run ended: its result (the metrics, the promotion gate's verdict with both numbers) or
 * its failure (the short reason). Read from Temporal once per run (the close event of its history, which is
 * all `result()` fetches) and kept, since a closed run never changes. The status page and the metrics
 * series read many runs on every refresh, so only runs not seen before cost a call.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { z } from 'zod';
import type { PromotionDecision } from '../registry/promotion';
import type { RunSummaryView } from './api-schemas';
import { TemporalUnavailableError, withinDeadline } from './temporal-call';

export type EndingKind = 'succeeded' | 'failed' | 'rejected' | 'cancelled' | 'terminated' | 'timed-out';

export interface RunEnding {
  kind: EndingKind;
  metrics: Record<string, number>;
  promotion?: PromotionDecision;
  /** The run's closing message (succeeded), or the failure's (the reason). */
  message?: string;
}

export interface RunEndingsOptions {
  client: Client;
  /** Deadline of one read. */
  timeoutMs: number;
  /** Endings kept (oldest forgotten first). */
  maxEntries?: number;
  /** Reads at once. */
  concurrency?: number;
}

/** What RetrainWorkflow returns (RetrainResult), read leniently: an old run may lack newer fields. */
const resultSchema = z.looseObject({
  message: z.string().optional().catch(undefined),
  metrics: z.record(z.string(), z.unknown()).optional().catch(undefined),
  promotion: z
    .looseObject({
      promoted: z.boolean(),
      reason: z.string(),
      metric: z.string().optional(),
      candidate: z.number().optional(),
      current: z.number().optional(),
      currentRevision: z.string().optional(),
    })
    .optional()
    .catch(undefined),
});

export class RunEndings {
  private readonly kept = new Map<string, RunEnding>();

  constructor(private readonly options: RunEndingsOptions) {}

  /**
   * The endings of the closed runs among `runs`, by run id. A run whose ending cannot be read (its history
   * was deleted by retention, say) is left out; Temporal not answering is a TemporalUnavailableError.
   */
  async of(runs: readonly RunSummaryView[]): Promise<Map<string, RunEnding>> {
    const closed = runs.filter((r) => r.status !== 'running');
    const missing = closed.filter((r) => !this.kept.has(r.runId));
    const queue = [...missing];
    const reader = async (): Promise<void> => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        const ending = await this.read(run);
        if (ending) this.keep(run.runId, ending);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, queue.length) }, reader));
    const out = new Map<string, RunEnding>();
    for (const run of closed) {
      const ending = this.kept.get(run.runId);
      if (ending) out.set(run.runId, ending);
    }
    return out;
  }

  private keep(runId: string, ending: RunEnding): void {
    this.kept.set(runId, ending);
    const max = this.options.maxEntries ?? 5000;
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= max) break;
      this.kept.delete(oldest);
    }
  }

  private async read(run: RunSummaryView): Promise<RunEnding | undefined> {
    const { client, timeoutMs } = this.options;
    try {
      const value: unknown = await withinDeadline(client, timeoutMs, () =>
        client.workflow.result<() => Promise<unknown>>(run.workflowId, run.runId, { followRuns: false }),
      );
      return succeeded(value);
    } catch (err) {
      if (err instanceof TemporalUnavailableError) throw err;
      if (err instanceof WorkflowFailedError) return failed(err);
      return undefined;
    }
  }
}

function succeeded(value: unknown): RunEnding {
  const parsed = resultSchema.safeParse(value ?? {});
  const result = parsed.success ? parsed.data : {};
  const metrics = Object.fromEntries(
    Object.entries(result.metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );
  const p = result.promotion;
  return {
    kind: 'succeeded',
    metrics,
    message: result.message,
    promotion: p && {
      promoted: p.promoted,
      reason: p.reason,
      metric: p.metric,
      candidate: p.candidate,
      current: p.current,
      currentRevision: p.currentRevision,
    },
  };
}

/** The failure as the run's own words: RetrainWorkflow fails with the reason as its message. */
function failed(err: WorkflowFailedError): RunEnding {
  const cause = err.cause;
  const message = cause?.message || err.message;
  const ending = (kind: EndingKind): RunEnding => ({ kind, metrics: {}, message });
  if (cause instanceof CancelledFailure) return ending('cancelled');
  if (cause instanceof TerminatedFailure) return ending('terminated');
  if (cause instanceof TimeoutFailure) return ending('timed-out');
  if (cause instanceof ApplicationFailure && cause.type === 'Rejected') return ending('rejected');
  return ending('failed');
}
