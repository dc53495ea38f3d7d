/**
 * The data checks on the status page: the newest run's report (what was checked before its training, each check's
 * status, count and first examples), and the checks that asked for a waiting run's approval.
 */
import type { RunDetailView } from '../api/api-schemas';
import { short, text } from './html';

export type DataCheckView = NonNullable<RunDetailView['dataChecks']>[number];

export interface DataReportPanel {
  workflowId: string;
  revision: string;
  checks: DataCheckView[];
  skipped?: string;
}

/** The panel of a run's report; undefined when the run has none (it ran before the data checks, or is starting). */
export function dataReportPanel(run: RunDetailView): DataReportPanel | undefined {
  if (!run.dataChecks && !run.dataChecksSkipped) return undefined;
  return {
    workflowId: run.workflowId,
    revision: run.revision ?? '',
    checks: run.dataChecks ?? [],
    ...(run.dataChecksSkipped ? { skipped: run.dataChecksSkipped } : {}),
  };
}

const STATUS_MARK: Record<DataCheckView['status'], string> = { pass: '✓ pass', warn: '⚠ warn', fail: '✗ fail' };

/** A table of checks: all of them, or `onlyFound` those that found something. */
export function renderDataChecks(checks: readonly DataCheckView[], onlyFound = false): string {
  const shown = onlyFound ? checks.filter((c) => c.status !== 'pass') : checks;
  const rows = shown.map((c) => {
    const examples = c.error ? [c.error] : c.examples.slice(0, 3);
    const status = c.status === 'warn' && c.policy === 'approve' ? '⏸ approve' : STATUS_MARK[c.status];
    return `<tr class="check-${text(c.status)}"><th scope="row"><code>${text(c.check)}</code></th><td>${text(status)}</td><td>${text(c.count)}</td><td>${examples.map((e) => `<div>${text(e)}</div>`).join('')}<div class="detail">${text(c.detail)}</div></td></tr>`;
  });
  return `<table class="data-checks"><thead><tr><th scope="col">check</th><th scope="col">status</th><th scope="col">count</th><th scope="col">examples</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

export function renderDataReport(panel: DataReportPanel | undefined): string {
  if (!panel) return '';
  const found = panel.checks.filter((c) => c.status !== 'pass').length;
  const summary = panel.skipped
    ? `not run: ${text(panel.skipped)}`
    : `${text(panel.checks.length - found)} of ${text(panel.checks.length)} passed`;
  return `<h3>Data checks of <code>${text(short(panel.revision))}</code></h3>
<p class="data-summary">Run <a class="run-id" href="/api/runs/${text(encodeURIComponent(panel.workflowId))}">${text(panel.workflowId)}</a>: ${summary}</p>
${panel.checks.length > 0 ? renderDataChecks(panel.checks) : ''}`;
}
