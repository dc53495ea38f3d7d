/**
 * PipelineWorkflow: the long-lived entity behind one pipeline (`pipeline:<name>`). It decides whether and
 * when to retrain: drops revisions it has trained, is training or has queued; waits out bursts
 * (debounce_seconds); resolves what main is now; runs at most one RetrainWorkflow at a time, queueing the
 * newest revision or cancelling the running one (on_new_revision); records what it superseded; and
 * continues as new before its history grows heavy.
 */
import {
  allHandlersFinished,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
  ApplicationFailure,
  CancelledFailure,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { PipelineSpec } from '../config/config-schema';
import {
  datasetUpdatedSignal,
  pipelineStateQuery,
  retrainFinishedSignal,
  retrainWorkflowId,
  RetrainDataset,
  RetrainPipeline,
  RetrainRevision,
  RetrainStage,
  type Delivery,
  type DatasetUpdate,
  type PipelineInput,
  type PipelineState,
  type RunOutcome,
  type RunSummary,
  type SupersededRevision,
  SUPERSEDED_LISTED,
  supersededTotal,
} from './definitions';
import { describe } from './announcement';
import { boundedDelivery, cut, MAX_MESSAGE_LENGTH } from './delivery';
import { pipelineActivities } from './pipeline-activities';
import { RetrainWorkflow } from './retrain';

const DEFAULT_ROLL_AFTER_EVENTS = 2_000;
/** Continue as new past this history size, below the server's own suggestion (4 MiB by default). */
const DEFAULT_ROLL_AFTER_BYTES = 2 * 1024 * 1024;
/** A run rolls only once it has this many events, so a run that starts over its size bound cannot loop. */
const MIN_EVENTS_PER_RUN = 20;
const KEEP_TRAINED = 500;
const KEEP_RECENT = 20;
/**
 * Runs that started before this patch roll on the server's suggestion and the event count, only between
 * updates; with it, also on the history's size, and also while updates keep arriving inside the debounce
 * window (a storm of deliveries used to hold the run there until Temporal terminated it, issue 15).
 */
const ROLL_ON_HISTORY_SIZE = 'roll-on-history-size';

export async function PipelineWorkflow(input: PipelineInput): Promise<void> {
  const state: PipelineState = input.carried ?? emptyState(input.name);
  const rollAfterEvents = input.rollAfterEvents ?? DEFAULT_ROLL_AFTER_EVENTS;
  const rollAfterBytes = input.rollAfterBytes ?? DEFAULT_ROLL_AFTER_BYTES;
  const rollOnSize = patched(ROLL_ON_HISTORY_SIZE);
  /** Bumped by every update that could change what runs next; debounce and re-checks watch it. */
  let updateSeq = 0;

  setHandler(pipelineStateQuery, () => state);
  setHandler(datasetUpdatedSignal, (update) => {
    onUpdate(state, update);
    updateSeq += 1;
  });
  setHandler(retrainFinishedSignal, (summary) => finishRun(state, summary));

  const shouldRoll = (): boolean => {
    const info = workflowInfo();
    if (!rollOnSize) return info.continueAsNewSuggested || info.historyLength > rollAfterEvents;
    if (info.historyLength < MIN_EVENTS_PER_RUN) return false;
    return info.continueAsNewSuggested || info.historyLength > rollAfterEvents || info.historySize > rollAfterBytes;
  };
  const rollNow = (): boolean => rollOnSize && shouldRoll();

  for (;;) {
    if (shouldRoll()) {
      // A running child is abandoned, not terminated, by continue-as-new; it reports back by signal.
      await condition(allHandlersFinished);
      await continueAsNew<typeof PipelineWorkflow>({ ...input, carried: state });
    }
    await condition(() => state.waiting !== undefined || shouldRoll());
    const spec = state.spec;
    if (!state.waiting || !spec) continue;

    await quiet(state, spec, () => updateSeq, rollNow);
    if (rollNow()) continue; // the next run picks the debounce up where this one left it (waiting is carried)
    const seq = updateSeq;
    const waiting = state.waiting;
    const head = await resolveHead(state, spec, waiting.revision);
    if (updateSeq !== seq) continue; // something newer arrived meanwhile: look again
    if (head === undefined) {
      state.waiting = undefined;
      continue;
    }
    if (state.trained.includes(head) || state.active?.revision === head) {
      if (waiting.revision && waiting.revision !== head) supersede(state, waiting.revision, head, 'head-moved');
      state.waiting = undefined;
      state.counters.duplicates += 1;
      continue;
    }
    const active = state.active;
    if (active) {
      if (spec.on_new_revision === 'cancel' && !active.cancelRequested) {
        active.cancelRequested = true;
        supersede(state, active.revision, head, 'cancelled-running');
        await getExternalWorkflowHandle(active.workflowId).cancel();
      }
      await condition(() => state.active === undefined || updateSeq !== seq || shouldRoll());
      continue; // then debounce/resolve again, so the newest revision is what starts
    }
    if (waiting.revision && waiting.revision !== head) supersede(state, waiting.revision, head, 'head-moved');
    await startRun(state, spec, head, waiting.delivery);
    // Cleared only now, so the state never shows neither a waiting nor an active run in between; an
    // update that arrived meanwhile replaced `waiting` and stays.
    if (state.waiting === waiting) state.waiting = undefined;
  }
}

function emptyState(name: string): PipelineState {
  return {
    name,
    trained: [],
    superseded: [],
    supersededTotal: 0,
    recent: [],
    attempts: {},
    counters: { updates: 0, duplicates: 0, runsStarted: 0 },
  };
}

function onUpdate(state: PipelineState, update: DatasetUpdate): void {
  const spec = update.pipeline;
  state.spec = spec;
  state.counters.updates += 1;
  const revision = update.revision;
  if (
    revision &&
    (state.trained.includes(revision) || state.active?.revision === revision || state.waiting?.revision === revision)
  ) {
    state.counters.duplicates += 1;
    return;
  }
  const previous = state.waiting?.revision;
  if (previous && revision && previous !== revision) supersede(state, previous, revision, 'newer-update');
  // Bounded here too: a receiver from before issue 15 still sends the delivery id whole.
  const delivery = boundedDelivery(update.delivery);
  state.waiting = { revision, delivery, lastUpdateAt: updateTime(delivery) };
}

/** When an update happened: the change's own time when the sender knows it (never in the future), else now. */
function updateTime(delivery: Delivery): string {
  const now = Date.now();
  const changed = delivery.changedAt ? Date.parse(delivery.changedAt) : NaN;
  return new Date(Number.isNaN(changed) ? now : Math.min(changed, now)).toISOString();
}

/** Debounce: return once no update has arrived for debounce_seconds, or as soon as `stop` says so. */
async function quiet(state: PipelineState, spec: PipelineSpec, seq: () => number, stop: () => boolean): Promise<void> {
  const windowMs = spec.debounce_seconds * 1000;
  for (;;) {
    const waiting = state.waiting;
    if (!waiting || stop()) return;
    const elapsed = Date.now() - Date.parse(waiting.lastUpdateAt);
    if (elapsed >= windowMs) return;
    const seen = seq();
    await condition(() => seq() !== seen || stop(), windowMs - elapsed);
  }
}

/** What main is now. If the Hub cannot say, fall back to the revision the delivery named. */
async function resolveHead(state: PipelineState, spec: PipelineSpec, delivered?: string): Promise<string | undefined> {
  try {
    return (await pipelineActivities.resolveRevision({ pipeline: spec, revision: delivered })).revision;
  } catch (err) {
    if (delivered) {
      log.warn('could not resolve the head of main; training the delivered revision', { error: describe(err) });
      return delivered;
    }
    state.lastResult = {
      workflowId: '',
      revision: '',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      outcome: 'failed',
      message: cut(`could not resolve the head of main: ${describe(err)}`, MAX_MESSAGE_LENGTH),
    };
    return undefined;
  }
}

async function startRun(state: PipelineState, spec: PipelineSpec, revision: string, delivery: Delivery): Promise<void> {
  const workflowId = retrainWorkflowId(spec.name, revision);
  const attempt = (state.attempts[revision] ?? 0) + 1;
  try {
    const child = await startChild(RetrainWorkflow, {
      workflowId,
      args: [{ pipeline: spec, revision, attempt, delivery }],
      // Survives this workflow's continue-as-new; reports its end by signal.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // A revision that succeeded never trains twice; a failed or cancelled one may be retried.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: RetrainPipeline, value: spec.name },
        { key: RetrainDataset, value: spec.input_dataset },
        { key: RetrainRevision, value: revision },
        { key: RetrainStage, value: 'created' },
      ],
      memo: { backend: spec.backend.type, baseModel: spec.input_model, task: spec.task, attempt },
    });
    state.active = { workflowId, revision, startedAt: new Date().toISOString() };
    state.counters.runsStarted += 1;
    void child.result().then(
      (result) =>
        finishRun(state, { workflowId, revision, startedAt: '', outcome: result.outcome, message: result.message }),
      (err: unknown) =>
        finishRun(state, { workflowId, revision, startedAt: '', outcome: outcomeOf(err), message: describe(err) }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Trained already (or running from an earlier incarnation of this pipeline): never a second run.
    log.info('a run for this revision already exists', { workflowId });
    remember(state.trained, revision, KEEP_TRAINED);
  }
}

function finishRun(state: PipelineState, summary: RunSummary): void {
  const active = state.active;
  if (!active || active.workflowId !== summary.workflowId) return;
  const ended: RunSummary = {
    workflowId: active.workflowId,
    revision: active.revision,
    startedAt: active.startedAt,
    endedAt: new Date().toISOString(),
    outcome: summary.outcome,
    message: summary.message === undefined ? undefined : cut(summary.message, MAX_MESSAGE_LENGTH),
  };
  state.active = undefined;
  state.lastResult = ended;
  state.recent = [...state.recent, ended].slice(-KEEP_RECENT);
  if (summary.outcome === 'succeeded') {
    remember(state.trained, active.revision, KEEP_TRAINED);
    delete state.attempts[active.revision];
  } else state.attempts[active.revision] = (state.attempts[active.revision] ?? 0) + 1;
}

/** Lists the newest SUPERSEDED_LISTED superseded revisions and counts them all (supersededTotal). */
function supersede(state: PipelineState, revision: string, by: string, reason: SupersededRevision['reason']): void {
  state.supersededTotal = supersededTotal(state) + 1;
  state.superseded = [...state.superseded, { revision, by, reason, at: new Date().toISOString() }].slice(
    -SUPERSEDED_LISTED,
  );
}

function remember(list: string[], revision: string, keep: number): void {
  if (!list.includes(revision)) list.push(revision);
  if (list.length > keep) list.splice(0, list.length - keep);
}

function outcomeOf(err: unknown): RunOutcome {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof CancelledFailure) return 'cancelled';
  if (cause instanceof ApplicationFailure && cause.type === 'Rejected') return 'rejected';
  return 'failed';
}
