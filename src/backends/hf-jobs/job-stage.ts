import type { TrainingState } from '../types';

/**
 * Job stages (spec/hf-jobs.md). Kept as strings: @huggingface/hub's type for them is out of date, and the
 * service may add stages; an unknown one reads as "still running".
 */
const TERMINAL = new Set(['COMPLETED', 'CANCELED', 'ERROR', 'DELETED']);

export function isTerminalStage(stage: string): boolean {
  return TERMINAL.has(stage);
}

/** A job a retried step may adopt: still going, or done well (a failed or cancelled one is not reused). */
export function countsAsStarted(stage: string): boolean {
  return !isTerminalStage(stage) || stage === 'COMPLETED';
}

export function jobState(status: { stage: string; message?: string | null }): {
  state: TrainingState;
  message?: string;
} {
  const detail = status.message ?? undefined;
  switch (status.stage) {
    case 'SCHEDULING':
      return { state: 'queued', message: detail };
    case 'RUNNING':
    case 'UPDATING':
      return { state: 'running', message: detail };
    case 'COMPLETED':
      return { state: 'succeeded', message: detail ?? 'the job completed' };
    case 'ERROR':
      return { state: 'failed', message: detail ?? 'the job ended in ERROR' };
    case 'CANCELED':
      return { state: 'cancelled', message: detail ?? 'the job was cancelled' };
    case 'DELETED':
      return { state: 'failed', message: detail ?? 'the job was deleted' };
    default:
      return { state: 'running', message: `unknown job stage ${status.stage}` };
  }
}
