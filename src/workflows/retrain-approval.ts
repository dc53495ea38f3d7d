/**
 * The approval step of RetrainWorkflow. A decision comes as the decide Update, whose validator admits it
 * only while the run awaits approval and only once (the caller is told why otherwise), or as one of the
 * original approve/reject signals, which still decide runs sent them but cannot be refused: the first
 * decision wins, and a signal the run does not act on is logged and kept in `progress.ignoredDecisions`.
 */
import { allHandlersFinished, ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { announce } from './retrain-announce';
import {
  APPROVAL_REFUSED,
  approveSignal,
  decideUpdate,
  rejectSignal,
  type ApprovalDecision,
  type ApprovalOutcome,
  type ApprovalRequest,
  type RetrainInput,
  type RetrainProgress,
  type Stage,
} from './definitions';

/** A signal sent in these stages decides the approval to come, as it always did. */
const BEFORE_DECISION: readonly Stage[] = ['checking-data', 'created', 'data-added', 'awaiting-approval'];
const KEEP_IGNORED = 20;

export class ApprovalGate {
  private decided?: ApprovalOutcome;

  constructor(
    private readonly progress: RetrainProgress,
    private required: boolean,
  ) {}

  /** The run needs a decision after all (its data checks asked for one, or its estimate is over budget): signals now decide it too. */
  require(): void {
    this.required = true;
  }

  /**
   * A second question after a first decision (a person approved the data report, and the estimate is then over
   * budget): the next wait takes a new decision.
   */
  reopen(): void {
    this.decided = undefined;
  }

  /** Registers the Update and the signal handlers; call before the run's first wait. */
  listen(): void {
    setHandler(decideUpdate, (request) => this.decide(request), {
      validator: (request: ApprovalRequest | undefined) => {
        const refusal = validRequest(request) ? this.updateRefusal() : 'expected {"approved": true | false, "by"?}';
        if (!refusal) return;
        log.info('approval decision refused', { refusal, by: request?.by });
        throw ApplicationFailure.create({ type: APPROVAL_REFUSED, message: refusal, nonRetryable: true });
      },
    });
    setHandler(approveSignal, (decision) => this.signalled(true, decision));
    setHandler(rejectSignal, (decision) => this.signalled(false, decision));
  }

  /**
   * Waits for a decision (or the timeout) and records it in the progress. Returns the decision, or
   * undefined when none came in time.
   *
   * The run goes on only once the Update that decided has completed: the tracing interceptors run an Update
   * handler a few microtasks later than the plain bundle does, and without this the Update's completion and
   * the run's next commands (the timer's cancellation) would be recorded in a different order by a worker
   * with tracing than without, so a run could not move between the two (test/replay replays on both).
   */
  async wait(timeoutMs: number): Promise<ApprovalOutcome | undefined> {
    const decided = await condition(() => this.decided !== undefined && allHandlersFinished(), timeoutMs);
    const approval = this.progress.approval!;
    approval.decided = new Date().toISOString();
    approval.by = this.decided?.by;
    approval.comment = this.decided?.comment;
    approval.decision = decided ? this.decided!.decision : 'timed-out';
    return decided ? this.decided : undefined;
  }

  private decide(request: ApprovalRequest): ApprovalOutcome {
    // The validator admitted it; a second Update admitted in the same activation finds the first taken.
    const refusal = this.updateRefusal();
    if (refusal) throw ApplicationFailure.create({ type: APPROVAL_REFUSED, message: refusal, nonRetryable: true });
    return this.take(request.approved, request);
  }

  private signalled(approved: boolean, decision: ApprovalDecision | undefined): void {
    const refusal = this.signalRefusal();
    if (!refusal) {
      this.take(approved, decision);
      return;
    }
    const ignored = {
      decision: approved ? ('approved' as const) : ('rejected' as const),
      by: decision?.by,
      at: new Date().toISOString(),
      reason: refusal,
    };
    log.warn('approval signal ignored', { ...ignored });
    this.progress.ignoredDecisions = [...(this.progress.ignoredDecisions ?? []), ignored].slice(-KEEP_IGNORED);
  }

  private take(approved: boolean, decision: ApprovalDecision | undefined): ApprovalOutcome {
    this.decided = {
      decision: approved ? 'approved' : 'rejected',
      by: decision?.by,
      comment: decision?.comment,
      decidedAt: new Date().toISOString(),
    };
    return this.decided;
  }

  private updateRefusal(): string | undefined {
    if (this.decided) return this.alreadyDecided(this.decided);
    if (this.progress.stage !== 'awaiting-approval') return this.notWaiting();
    return undefined;
  }

  private signalRefusal(): string | undefined {
    if (this.decided) return this.alreadyDecided(this.decided);
    if (!this.required || !BEFORE_DECISION.includes(this.progress.stage)) return this.notWaiting();
    return undefined;
  }

  private alreadyDecided(decided: ApprovalOutcome): string {
    return `this run was already ${decided.decision}${decided.by ? ` by ${decided.by}` : ''} at ${decided.decidedAt}`;
  }

  private notWaiting(): string {
    if (!this.required) return 'this run is not waiting for approval (its pipeline has approval "none")';
    return `this run is not waiting for approval (stage "${this.progress.stage}")`;
  }
}

/**
 * Asks for approval and waits for it: the stage, the request in the progress (with the data checks that asked
 * for it, if any), the announcement (which must be posted: people act on it), then the decision. A rejection or
 * the timeout ends the run (outcome rejected).
 */
export async function awaitApproval(
  input: RetrainInput,
  progress: RetrainProgress,
  gate: ApprovalGate,
  enterStage: (stage: Stage) => void,
  checks?: string[],
): Promise<void> {
  enterStage('awaiting-approval');
  progress.approval = { requested: new Date().toISOString(), ...(checks ? { checks } : {}) };
  await announce(input, progress, 'approval-request', { critical: true });
  const decided = await gate.wait(input.pipeline.approval_timeout * 1000);
  if (decided?.decision !== 'approved') {
    progress.outcome = 'rejected';
    throw ApplicationFailure.nonRetryable(
      decided ? `training was rejected${decided.by ? ` by ${decided.by}` : ''}` : 'approval timed out',
      'Rejected',
    );
  }
}

function validRequest(request: ApprovalRequest | undefined): boolean {
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof request.approved === 'boolean' &&
    (request.by === undefined || typeof request.by === 'string') &&
    (request.comment === undefined || typeof request.comment === 'string')
  );
}
