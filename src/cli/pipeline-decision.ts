/**
 * What a pipeline did with an update the CLI just recorded (`trigger`, `demo`): started a run, found the
 * revision trained or training already, queued it behind the active run, or could not resolve the head.
 * Read from the pipeline's view (its `state` query) through the receiver's API.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineView, RunResultView } from '../server/api/api-schemas';
import { CliError } from './cli-error';
import type { ReceiverApi } from './receiver-api';

export type PipelineDecision =
  | { kind: 'started'; workflowId: string; revision: string; cancelled?: string }
  | { kind: 'training-already'; workflowId: string; revision: string }
  | { kind: 'trained-already'; last?: RunResultView }
  | { kind: 'queued'; behind: string; cancelling: boolean }
  | { kind: 'failed'; message: string };

export interface DecisionOptions {
  /** How long the pipeline may take to take the update in and decide (past its debounce). */
  timeoutMs?: number;
  /** How long a pipeline with an active run may take to find the head already training before it is queued. */
  settleMs?: number;
  pollMs?: number;
}

/** The pipeline's view now (before recording an update), to compare with. */
export async function pipelineView(api: ReceiverApi, name: string): Promise<PipelineView> {
  const view = (await api.pipelines()).find((p) => p.name === name);
  if (!view) throw new CliError(`unknown pipeline "${name}"`);
  return view;
}

/** Waits until the pipeline has taken in the update recorded after `before`, and says what it did. */
export async function awaitDecision(
  api: ReceiverApi,
  before: PipelineView,
  options: DecisionOptions = {},
): Promise<PipelineDecision> {
  const pollMs = options.pollMs ?? 300;
  const settleMs = options.settleMs ?? 5_000;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000) + before.policy.debounceSeconds * 1000;
  const counters = before.counters ?? { updates: 0, duplicates: 0, runsStarted: 0 };
  const failedBefore = failureOf(before);
  let queuedSince: number | undefined;
  for (;;) {
    const view = await pipelineView(api, before.name);
    const now = view.counters ?? counters;
    if (now.updates > counters.updates) {
      if (now.runsStarted > counters.runsStarted && view.active) {
        const cancelled = view.superseded.find(
          (s) => s.reason === 'cancelled-running' && s.by === view.active?.revision,
        );
        return {
          kind: 'started',
          workflowId: view.active.workflowId,
          revision: view.active.revision,
          cancelled: cancelled && before.active?.revision === cancelled.revision ? before.active.workflowId : undefined,
        };
      }
      if (now.duplicates > counters.duplicates && !view.waiting) {
        return view.active
          ? { kind: 'training-already', workflowId: view.active.workflowId, revision: view.active.revision }
          : { kind: 'trained-already', last: view.lastResult };
      }
      const failure = failureOf(view);
      if (failure && failure !== failedBefore && !view.waiting) {
        return { kind: 'failed', message: view.lastResult?.message ?? 'the pipeline could not resolve the head' };
      }
      if (view.waiting && view.active) {
        queuedSince ??= Date.now();
        if (Date.now() - queuedSince >= settleMs) {
          return { kind: 'queued', behind: view.active.workflowId, cancelling: view.active.cancelRequested === true };
        }
      } else queuedSince = undefined;
    }
    if (Date.now() > deadline) throw new CliError(`the pipeline ${before.name} did not take the update in in time`);
    await sleep(pollMs);
  }
}

/** The pipeline's last failure to resolve its dataset's head (recorded as a result with no run), as a key. */
function failureOf(view: PipelineView): string | undefined {
  const last = view.lastResult;
  return last && !last.workflowId && last.outcome === 'failed'
    ? `${last.endedAt ?? ''} ${last.message ?? ''}`
    : undefined;
}
