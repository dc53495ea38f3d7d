/**
 * How each finished run ended: its result (the metrics, the promotion gate's verdict with both numbers) or
 * its failure (the short reason). Read from Temporal once per run (the close event of its history, which is
 * all `result()` fetches) and kept, since a closed run never changes. The status page, the metrics series and
 * the status API's verdicts read many runs on every refresh, so only runs not seen before cost a call, and
 * nothing here asks a worker.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { z } from 'zod';
import type { PromotionView, RunSummaryView } from './api-schemas';
import { promotionView } from './run-views';
import { TemporalUnavailableError, withinDeadline } from '../common/temporal-call';

export type EndingKind = 'succeeded' | 'failed' | 'rejected' | 'cancelled' | 'terminated' | 'timed-out';

export interface RunEnding {
  kind: EndingKind;
  metrics: Record<string, number>;
  promotion?: PromotionView;
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
      // Issue 23: absent on runs from before (each read leniently: a malformed one is dropped, not the verdict).
      rows: z.number().optional().catch(undefined),
      sameData: z.boolean().optional().catch(undefined),
      interval: z.tuple([z.number(), z.number()]).optional().catch(undefined),
      pValue: z.number().optional().catch(undefined),
      split: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

/** A closed run to read: by its run id when known, else the latest run of its workflow id (a pipeline's state). */
interface ClosedRun {
  workflowId: string;
  runId?: string;
}

export class RunEndings {
  /** By run id, or by workflow id for runs known by it alone. */
  private readonly kept = new Map<string, RunEnding>();

  constructor(private readonly options: RunEndingsOptions) {}

  /**
   * The endings of the closed runs among `runs`, by run id. A run whose ending cannot be read (its history
   * was deleted by retention, say) is left out; Temporal not answering is a TemporalUnavailableError.
   */
  async of(runs: readonly RunSummaryView[]): Promise<Map<string, RunEnding>> {
    const closed = runs.filter((r) => r.status !== 'running');
    await this.load(closed);
    return this.known(closed, (r) => r.runId);
  }

  /**
   * The promotion verdicts of the runs that succeeded among `runs`, by workflow id. A run with no verdict (no
   * evaluation, or an older run), or whose ending cannot be read now, is left out: it is asked again next time.
   */
  async verdicts(runs: ReadonlyArray<{ workflowId: string; succeeded: boolean }>): Promise<Map<string, PromotionView>> {
    const succeeded = runs.filter((r) => r.succeeded && r.workflowId).map((r) => ({ workflowId: r.workflowId }));
    await this.load(succeeded).catch(() => undefined);
    const out = new Map<string, PromotionView>();
    for (const [workflowId, ending] of this.known(succeeded, (r) => r.workflowId)) {
      if (ending.promotion) out.set(workflowId, ending.promotion);
    }
    return out;
  }

  /** The verdict of one run that succeeded (see verdicts). */
  async verdict(workflowId: string): Promise<PromotionView | undefined> {
    return (await this.verdicts([{ workflowId, succeeded: true }])).get(workflowId);
  }

  private async load(runs: readonly ClosedRun[]): Promise<void> {
    const queue = runs.filter((r) => !this.kept.has(keyOf(r)));
    const reader = async (): Promise<void> => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        const ending = await this.read(run);
        if (ending) this.keep(keyOf(run), ending);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, queue.length) }, reader));
  }

  private known<R extends ClosedRun>(runs: readonly R[], key: (run: R) => string): Map<string, RunEnding> {
    const out = new Map<string, RunEnding>();
    for (const run of runs) {
      const ending = this.kept.get(keyOf(run));
      if (ending) out.set(key(run), ending);
    }
    return out;
  }

  private keep(key: string, ending: RunEnding): void {
    this.kept.set(key, ending);
    const max = this.options.maxEntries ?? 5000;
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= max) break;
      this.kept.delete(oldest);
    }
  }

  private async read(run: ClosedRun): Promise<RunEnding | undefined> {
    const { client, timeoutMs } = this.options;
    try {
      const value: unknown = await withinDeadline(client, timeoutMs, () =>
        client.workflow.result<() => Promise<unknown>>(run.workflowId, run.runId, {
          // Known by its workflow id alone: the run it ended in (older runs continued as new while polling).
          followRuns: run.runId === undefined,
        }),
      );
      return succeeded(value);
    } catch (err) {
      if (err instanceof TemporalUnavailableError) throw err;
      if (err instanceof WorkflowFailedError) return failed(err);
      return undefined;
    }
  }
}

function keyOf(run: ClosedRun): string {
  return run.runId ?? run.workflowId;
}

function succeeded(value: unknown): RunEnding {
  const parsed = resultSchema.safeParse(value ?? {});
  const result = parsed.success ? parsed.data : {};
  const metrics = Object.fromEntries(
    Object.entries(result.metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );
  return {
    kind: 'succeeded',
    metrics,
    message: result.message,
    promotion: result.promotion && promotionView(result.promotion),
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
