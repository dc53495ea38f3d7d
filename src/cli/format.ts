/**
 * Human-readable output of the CLI's commands (`--json` prints JSON instead), and the one place the CLI writes
 * to the terminal: every command prints through output(), print(), printError() or printLive() below, so
 * what a receiver, the Hub or a payload put in a value is shown escaped, never acted on by the terminal
 * (ESC[2J clearing the screen, an OSC sequence setting the title, a \r overwriting a status line). The lint
 * configuration forbids writing to stdout/stderr anywhere else in the CLI.
 */
import { formatPValue } from '../registry/p-value';
import type { PipelineView, PromotionView, RunDetailView, RunSummaryView } from '../server/api/api-schemas';
import type { PipelineDecision } from './pipeline-decision';
import { budgetLine, costLine, dollars, spendLine } from '../budget/cost-lines';
import { dataCheckLines } from './format-data-checks';

/**
 * Characters a terminal acts on instead of showing: the C0 controls (ESC starts escape sequences, CR returns
 * to the line's start, BS moves back), DEL, the C1 controls (U+009B is a one-character CSI on some
 * terminals), the line and paragraph separators, and the invisible marks and overrides of bidirectional
 * text, which make a line show something else than it holds.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
}

/** One value, shown on one line: every control character (newlines too) as a visible escape (`\x1b`, `\r`). */
export function escapeControl(text: string): string {
  return text.replace(TERMINAL_CONTROL, escapeChar);
}

/** Text a command composed: its own newlines stay, every other control character is escaped. */
export function escapeOutput(text: string): string {
  return text.replace(TERMINAL_CONTROL, (c) => (c === '\n' ? c : escapeChar(c)));
}

/** A copy of a value (an API answer) with every string in it, and every key, escaped by escapeControl. */
export function escapeStrings<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return escapeControl(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [escapeControl(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * A command's result as it is printed: exact JSON for scripts (`--json`), or text for people, formatted from
 * the value with every string in it escaped (a value cannot start a line of its own), then escaped again as
 * a whole (what the formatter added cannot carry a control character either).
 */
export function render<T>(json: boolean | undefined, value: T, human: (v: T) => string): string {
  return json ? JSON.stringify(value, null, 2) : escapeOutput(human(escapeStrings(value)));
}

/** Prints a command's result: JSON for scripts, or text for people (see render). */
export function output<T>(json: boolean | undefined, value: T, human: (v: T) => string): void {
  process.stdout.write(`${render(json, value, human)}\n`);
}

/** Prints a line (or lines) a command composed itself, escaped. Values from elsewhere go through output(). */
export function print(text = ''): void {
  process.stdout.write(`${escapeOutput(text)}\n`);
}

/** Prints a message on stderr, escaped (an error may quote a receiver's or the Hub's answer). */
export function printError(text: string): void {
  process.stderr.write(`${escapeOutput(text)}\n`);
}

/** JSON for scripts, exactly as JSON.stringify writes it (which escapes what a terminal acts on below U+0020). */
export function printJson(value: unknown, indent = 2): void {
  process.stdout.write(`${JSON.stringify(value, null, indent)}\n`);
}

/** A line redrawn in place on a terminal (a line per change otherwise); the text is one line, escaped. */
export function printLive(text: string, tty: boolean): void {
  process.stdout.write(tty ? `\r\x1b[2K${escapeControl(text)}` : `${escapeControl(text)}\n`);
}

/** Ends a line printLive drew on a terminal. */
export function endLive(tty: boolean): void {
  if (tty) process.stdout.write('\n');
}

const short = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '-');
const time = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `[############------------]  50%` */
export function progressBar(fraction: number | undefined, width = 24): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return `[${'.'.repeat(width)}]    `;
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

export function formatPipelines(views: PipelineView[]): string {
  return views
    .map((p) => {
      const lines = [
        `${p.name}  ${p.dataset} -> ${p.model} (${p.backend}, ${p.task})`,
        `  policy      on new revision: ${p.policy.onNewRevision}, approval: ${p.policy.approval}, debounce: ${p.policy.debounceSeconds}s`,
      ];
      if (!p.started) {
        lines.push('  runs        none yet (no update has arrived)');
        return lines.join('\n');
      }
      lines.push(
        `  active      ${p.active ? `${p.active.workflowId} (${p.active.stage ?? 'starting'}${p.active.cancelRequested ? ', cancel requested' : ''})` : 'none'}`,
        `  waiting     ${p.waiting ? `${p.waiting.revision ? short(p.waiting.revision) : 'head of main'} since ${time(p.waiting.since)}` : 'none'}`,
        `  last result ${p.lastResult ? `${p.lastResult.outcome ?? 'ended'} on ${short(p.lastResult.revision)} at ${time(p.lastResult.endedAt)}${p.lastResult.promotion ? `; ${verdict(p.lastResult.promotion)}` : ''}` : 'none yet'}`,
      );
      if (p.spend) lines.push(`  spent       ${p.spend.month}: ${spendLine(p.spend)}`);
      if (p.superseded.length > 0) {
        const [latest] = p.superseded;
        const unlisted = p.supersededNotListed ? `; ${p.supersededNotListed} no longer listed` : '';
        lines.push(
          `  superseded  ${p.supersededTotal ?? p.superseded.length} (latest ${short(latest?.revision)} by ${short(latest?.by)}, ${latest?.reason})${unlisted}`,
        );
      }
      if (!p.live && p.note) lines.push(`  note        ${p.note}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

/** `show <revision>` when the revision names several runs: which ones, to pick from. */
export function formatCandidates(revision: string, runs: RunSummaryView[]): string {
  return `revision ${revision} matches ${runs.length} runs; name one of them:\n${formatRuns(runs)}`;
}

/** What `trigger` (and `demo`) found the pipeline did with the update, in a sentence. */
export function formatDecision(pipeline: string, d: PipelineDecision): string {
  switch (d.kind) {
    case 'started':
      return (
        `${pipeline}: started run ${d.workflowId} (revision ${d.revision})` +
        (d.cancelled ? `, after cancelling ${d.cancelled} (on_new_revision: cancel)` : '') +
        `\nFollow it with: hub-retrain watch ${d.workflowId}`
      );
    case 'training-already':
      return `${pipeline}: the head is being trained already, by run ${d.workflowId}\nFollow it with: hub-retrain watch ${d.workflowId}`;
    case 'trained-already': {
      const last = d.last;
      const result = last?.workflowId
        ? ` (last run ${last.workflowId}: ${last.outcome ?? 'ended'}${last.promotion ? `, ${verdict(last.promotion)}` : ''})`
        : '';
      return `${pipeline}: already trained: the head of its dataset has been trained${result}; nothing started`;
    }
    case 'queued':
      return (
        `${pipeline}: queued behind ${d.behind}` +
        (d.cancelling ? ', which is being cancelled (on_new_revision: cancel)' : '') +
        ": the head is trained when that run ends, unless it is that run's revision"
      );
    case 'failed':
      return `${pipeline}: nothing started: ${d.message}`;
  }
}

export function formatRuns(runs: RunSummaryView[]): string {
  if (runs.length === 0) return 'no runs';
  return table(
    ['RUN', 'STATUS', 'STAGE', 'MODEL', 'STARTED', 'ENDED', 'COST'],
    runs.map((r) => [
      r.workflowId,
      r.outcome ?? r.status,
      r.stage ?? '-',
      r.promotion ? verdict(r.promotion) : '-',
      time(r.startedAt),
      time(r.endedAt),
      r.cost ? dollars(r.cost.usd) : '-',
    ]),
  );
}

export function formatRun(r: RunDetailView): string {
  const rows: Array<[string, string | undefined]> = [
    ['run', r.workflowId],
    ['pipeline', r.pipeline],
    ['dataset', r.dataset && r.revision ? `${r.dataset}@${r.revision}` : r.dataset],
    ['status', r.outcome && r.outcome !== r.status ? `${r.status} (${r.outcome})` : r.status],
    ['stage', r.stage],
    ['progress', r.progress !== undefined ? progressBar(r.progress) : undefined],
    ['backend', r.backend && r.backendStatus ? `${r.backend} (${r.backendStatus})` : r.backend],
    ['message', r.message],
    [
      'checks',
      r.nextCheckAt
        ? `${r.polls ?? 0} so far, next at ${time(r.nextCheckAt)}${r.lastCheckError ? ` (last one failed: ${r.lastCheckError})` : ''}`
        : undefined,
    ],
    ['job', r.jobId && r.links.job ? `${r.jobId}  ${r.links.job}` : (r.jobId ?? r.links.job)],
    ['model', r.links.model],
    ['discussion', r.links.discussion],
    ['temporal', r.links.temporal],
    ['started', time(r.startedAt)],
    ['ended', r.endedAt ? time(r.endedAt) : undefined],
    [
      'approval',
      r.approval &&
        (r.approval.decision
          ? `${r.approval.decision}${r.approval.by ? ` by ${r.approval.by}` : ''} at ${time(r.approval.decided)}`
          : `requested at ${time(r.approval.requested)}: hub-retrain approve ${r.workflowId} (or reject)`),
    ],
    [
      'delivery',
      r.delivery &&
        `${r.delivery.source}${r.delivery.webhookId ? ` ${r.delivery.webhookId}` : ''} at ${time(r.delivery.receivedAt)}`,
    ],
    [
      'verdict',
      r.promotion &&
        `${r.promotion.promoted ? 'put in service' : 'not put in service'}: ${r.promotion.reason.replace(/^(not )?promoted(: )?/, '') || (r.promotion.promoted ? 'promoted' : 'not promoted')}`,
    ],
    ['cost', r.cost ? costLine(r.cost) : r.priceUnknown && `price unknown: ${r.priceUnknown}`],
    ['budget', r.budget && [r.budget.decision, budgetLine(r.budget), r.budget.stopped].filter(Boolean).join(': ')],
    ['deployment', r.deployment && deploymentLine(r.deployment)],
    ['error', r.error],
  ];
  const out = rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k.padEnd(11)} ${v}`);
  const metrics = Object.entries(r.metrics);
  if (metrics.length > 0) out.push(`metrics     ${metrics.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const timings = Object.entries(r.timings);
  if (timings.length > 0) out.push(`timings     ${timings.map(([k, v]) => `${k} ${time(v)}`).join(', ')}`);
  out.push(...dataCheckLines(r));
  for (const e of r.compensationErrors ?? []) out.push(`compensation failed: ${e}`);
  if (r.logTail.length > 0) out.push('log tail', ...r.logTail.slice(-5).map((l) => `  ${l}`));
  if (!r.live && r.note) out.push(`note        ${r.note}`);
  return out.join('\n');
}

/** "endpoint acme/m@1a2b3c4: healthy", "...: failed, rolled back to 9f8e7d6". */
function deploymentLine(d: NonNullable<RunDetailView['deployment']>): string {
  const what = d.repository ? `${d.repository}@${short(d.modelRevision ?? 'main')}` : short(d.revision);
  const back =
    d.rolledBack && d.previous ? `, rolled back to ${short(d.previous.modelRevision ?? d.previous.revision)}` : '';
  return `${d.target} ${what}: ${d.health}${back}${d.rollbackError ? `, roll-back failed: ${d.rollbackError}` : ''}`;
}

const figure = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(4));

/**
 * The promotion verdict in a few words, with both numbers when there are two: "not put in service (accuracy
 * 0.8100 vs 0.8300 for the model in service on the same 280 rows; p = 0.912)", or "... in service, measured on
 * other data" when the number in service could not be re-measured.
 */
export function verdict(p: PromotionView): string {
  const head = p.promoted ? 'put in service' : 'not put in service';
  if (p.metric && p.candidate !== undefined && p.current !== undefined) {
    const numbers = `${p.metric} ${figure(p.candidate)} vs ${figure(p.current)}`;
    if (p.sameData && p.rows !== undefined) {
      const p1 = p.pValue === undefined ? '' : `; p = ${formatPValue(p.pValue)}`;
      return `${head} (${numbers} for the model in service on the same ${p.rows} rows${p1})`;
    }
    // As recorded (sameData false, or a run from before the same-rows gate): `show` gives the whole reason.
    return `${head} (${numbers} in service)`;
  }
  if (p.metric && p.candidate !== undefined) return `${head} (${p.metric} ${figure(p.candidate)})`;
  return head;
}

/** How far along the five steps a stage is; training fills its span with the backend's progress when known. */
const STAGE_PROGRESS: Record<string, number> = {
  'checking-data': 0.02,
  created: 0.05,
  'data-added': 0.15,
  'awaiting-approval': 0.15,
  training: 0.2,
  evaluating: 0.9,
  publishing: 0.95,
  succeeded: 1,
};

export function overallProgress(r: RunDetailView): number | undefined {
  const base = STAGE_PROGRESS[r.stage ?? ''];
  if (base === undefined) return undefined; // failed, cancelled, compensated: no bar
  return r.stage === 'training' ? base + 0.7 * (r.progress ?? 0) : base;
}

/** The stages under the names of the steps the README walks through. */
export const STAGE_LABELS: Record<string, string> = {
  'checking-data': 'checking data',
  created: 'createProject',
  'data-added': 'addData',
  'awaiting-approval': 'awaiting approval',
};

export const stageLabel = (stage: string): string => STAGE_LABELS[stage] ?? stage;

/** The line of a stage the run passed between two looks: the stage, where it stood then. */
export function passedStageLine(stage: string): string {
  return `${stageLabel(stage).padEnd(17)} ${progressBar(STAGE_PROGRESS[stage])}`;
}

/** One line of `watch`: stage, a progress bar over the run, the backend's status. */
export function watchLine(r: RunDetailView): string {
  const stage = stageLabel(r.stage ?? r.status).padEnd(17);
  const status = r.backendStatus ? `  ${r.backendStatus}` : '';
  const message = r.message ? `: ${r.message}` : '';
  return `${stage} ${progressBar(overallProgress(r))}${status}${message}`;
}
