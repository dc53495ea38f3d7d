/**
 * What a run came to, in the words a person scanning the page needs: promoted / not promoted with both
 * numbers, failed with the short reason, rejected, cancelled or superseded by which revision, or the stage
 * it is at. Derived from the run's recorded ending (RunEndings), never from colour.
 */
import { formatPValue } from '../../registry/p-value';
import type { PipelineView, RunSummaryView } from '../api/api-schemas';
import { metricValue, short } from './html';
import type { RunEnding } from '../api/run-endings';

export type VerdictKind =
  'promoted' | 'not-promoted' | 'trained' | 'failed' | 'rejected' | 'cancelled' | 'superseded' | 'running';

export interface RunVerdict {
  kind: VerdictKind;
  /** One short line. */
  text: string;
  /** The whole reason, when `text` had to cut it. */
  detail?: string;
}

const REASON_CHARS = 140;

/** A reason on one line, cut to fit a table cell. */
export function shortReason(message: string | undefined): { text: string; cut: boolean } {
  const line = (message ?? '').split('\n')[0]!.trim();
  return line.length > REASON_CHARS
    ? { text: `${line.slice(0, REASON_CHARS - 1)}…`, cut: true }
    : { text: line, cut: false };
}

function withReason(kind: VerdictKind, label: string, message: string | undefined): RunVerdict {
  const reason = shortReason(message);
  return { kind, text: reason.text ? `${label}: ${reason.text}` : label, detail: reason.cut ? message : undefined };
}

/** The promotion verdict with both numbers (or the one there is). */
function trainedVerdict(ending: RunEnding, metric: string): RunVerdict {
  const p = ending.promotion;
  if (!p) {
    const value = ending.metrics[metric];
    return { kind: 'trained', text: value === undefined ? 'trained' : `trained: ${metric} ${metricValue(value)}` };
  }
  const name = p.metric ?? metric;
  const candidate = p.candidate ?? ending.metrics[name];
  const label = p.promoted ? 'promoted' : 'not promoted';
  const kind = p.promoted ? 'promoted' : 'not-promoted';
  if (candidate === undefined) return { kind, text: label, detail: p.reason };
  const numbers =
    p.current === undefined
      ? `${name} ${metricValue(candidate)}${!p.metric ? ' (no gate)' : p.promoted ? ', the first model' : ''}`
      : `${name} ${metricValue(candidate)} vs ${metricValue(p.current)} in service${p.currentRevision ? ` (${short(p.currentRevision)})` : ''}${sameRows(p)}`;
  return { kind, text: `${label}: ${numbers}`, detail: p.reason };
}

/** Where both numbers come from: the same rows (with the paired test's p), or other data. */
function sameRows(p: NonNullable<RunEnding['promotion']>): string {
  if (p.sameData === false) return ', measured on other data';
  if (!p.sameData || p.rows === undefined) return '';
  return ` on the same ${p.rows} rows${p.pValue === undefined ? '' : `, p = ${formatPValue(p.pValue)}`}`;
}

export function runVerdict(
  run: RunSummaryView,
  ending: RunEnding | undefined,
  superseded: PipelineView['superseded'],
  metric: string,
): RunVerdict {
  if (run.status === 'running') {
    const stage = run.stage ?? 'starting';
    return { kind: 'running', text: stage === 'awaiting-approval' ? 'awaiting approval' : stage };
  }
  if (!ending) return { kind: run.status === 'succeeded' ? 'trained' : 'failed', text: run.outcome ?? run.status };
  switch (ending.kind) {
    case 'succeeded':
      return trainedVerdict(ending, metric);
    case 'rejected':
      return withReason(
        'rejected',
        'rejected',
        ending.message?.replace(/^training was rejected/, '').trim() || undefined,
      );
    case 'cancelled': {
      const by = superseded.find((s) => s.revision === run.revision && s.reason === 'cancelled-running')?.by;
      return by
        ? { kind: 'superseded', text: `superseded by ${short(by)} (cancelled)` }
        : { kind: 'cancelled', text: 'cancelled' };
    }
    case 'terminated':
      return withReason('failed', 'terminated', ending.message);
    case 'timed-out':
      return withReason('failed', 'timed out', ending.message);
    case 'failed':
      return withReason('failed', 'failed', ending.message);
  }
}
