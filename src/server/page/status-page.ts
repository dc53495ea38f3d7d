/**
 * GET /: the status page. Plain server-rendered HTML (every value escaped): each pipeline with its policy,
 * the runs waiting for approval (with Approve / Reject), its active run, the chart of its model across
 * revisions, and its recent runs with their verdict and links. The one nonce'd script (status-page-script.ts)
 * re-fetches this same page every few seconds and swaps in its #status element, so there is one renderer,
 * here; it also sends decisions to the API.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { RunSummaryView } from '../api/api-schemas';
import { renderApproval } from './approval-panel';
import { renderServing } from './serving-panel';
import { renderDataReport } from './data-checks-panel';
import { link, short, text, time } from './html';
import { renderMetricChart } from './metric-chart';
import type { RunEndings } from '../api/run-endings';
import { runVerdict, type RunVerdict } from './run-verdict';
import { costLine, dollars, spendLine } from '../../budget/cost-lines';
import { cspNonce } from '../common/security-headers';
import { loadStatusPageData, offline, type PipelinePage, type StatusPageData } from './status-page-data';
import { statusPageScript } from './status-page-script';
import type { StatusReader } from '../api/status-reader';

export type { StatusPageData } from './status-page-data';

const RECENT_RUNS = 10;
export const REFRESH_MS = 2000;

export interface StatusPageDeps {
  reader: StatusReader;
  endings: RunEndings;
  logger: Logger;
  temporalUiUrl?: string;
  /** ADMIN_TOKEN is set: the approval buttons work. */
  writeApi: boolean;
  modelsDir?: string;
}

export function statusPageHandler(deps: StatusPageDeps) {
  return (_req: Request, res: Response): void => {
    loadStatusPageData(deps)
      .catch((err: unknown) => {
        deps.logger.error({ err: { message: (err as Error).message } }, 'status page failed');
        return offline(deps, 'could not read the status');
      })
      .then((data) => {
        res.setHeader('Cache-Control', 'no-store');
        res.type('html').send(renderStatusPage(data, cspNonce(res)));
      })
      .catch(() => res.status(500).end());
  };
}

/** The job's link is a Space on AutoTrain; the model a Hub repo (a link) or a local folder (its path). */
function runLinks(links: RunSummaryView['links'], backend: string, runId?: string): string {
  // A run's own page in the Web UI: a retried revision has several runs under one workflow id.
  const temporal = links.temporal && runId ? `${links.temporal}/${encodeURIComponent(runId)}/history` : links.temporal;
  const model =
    links.model && !/^https?:\/\//i.test(links.model)
      ? `<span class="path">model folder <code title="${text(links.model)}">${text(folderTail(links.model))}</code></span>`
      : link(links.model, 'model');
  return [
    link(temporal, 'Temporal'),
    link(links.job, backend === 'autotrain' ? 'Space' : 'job'),
    model,
    link(links.discussion, 'announcement'),
  ]
    .filter(Boolean)
    .join(' · ');
}

/** `…/<pipeline>/<revision, short>` of a local model folder (the whole path is its title). */
function folderTail(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  if (parts.length < 2) return path;
  const last = parts[parts.length - 1]!;
  return `…/${parts[parts.length - 2]}/${/^[0-9a-f]{40,64}$/.test(last) ? short(last) : last}`;
}

function verdictCell(v: RunVerdict): string {
  return `<td class="verdict verdict-${v.kind}"${v.detail ? ` title="${text(v.detail)}"` : ''}>${text(v.text)}</td>`;
}

function runRow(p: PipelinePage, r: RunSummaryView, metric: string): string {
  const verdict = runVerdict(r, p.endings.get(r.runId), p.view.superseded, metric);
  return `<tr data-workflow-id="${text(r.workflowId)}">
  <td><a href="/api/runs/${text(encodeURIComponent(r.workflowId))}">${text(short(r.revision))}</a></td>
  <td class="status status-${text(r.status)}">${text(r.outcome ?? r.status)}</td>
  <td class="stage">${text(r.stage ?? '')}</td>
  ${verdictCell(verdict)}
  <td class="cost"${r.cost ? ` title="${text(costLine(r.cost))}"` : ''}>${r.cost ? text(dollars(r.cost.usd)) : ''}</td>
  <td>${text(time(r.startedAt))}</td>
  <td>${text(time(r.endedAt))}</td>
  <td class="links">${runLinks(r.links, p.view.backend, r.runId)}</td>
</tr>`;
}

function lastResult(p: PipelinePage, metric: string): string {
  const last = p.view.lastResult;
  if (!last) return 'none yet';
  const run = p.runs.find((r) => r.workflowId === last.workflowId && r.status !== 'running');
  const verdict = run && runVerdict(run, p.endings.get(run.runId), p.view.superseded, metric);
  return `${text(last.outcome ?? 'ended')} on ${text(short(last.revision))} at ${text(time(last.endedAt))}${
    verdict ? ` — <span class="verdict verdict-${verdict.kind}">${text(verdict.text)}</span>` : ''
  }`;
}

function pipelineSection(p: PipelinePage, writeApi: boolean, now: number): string {
  const { view } = p;
  const policy = view.policy;
  const metric = p.series?.metric ?? 'accuracy';
  const deployTarget = p.deployTarget;
  const active = view.active
    ? `<a class="run-id" href="/api/runs/${text(encodeURIComponent(view.active.workflowId))}">${text(view.active.workflowId)}</a>
       stage <span class="stage">${text(view.active.stage ?? 'starting')}</span>${view.active.cancelRequested ? ' (cancel requested)' : ''}
       ${runLinks(view.active.links, view.backend)}`
    : 'none';
  const waiting = view.waiting
    ? `${text(short(view.waiting.revision ?? 'head of main'))} since ${text(time(view.waiting.since))}`
    : 'none';
  const rows = p.runs
    .slice(0, RECENT_RUNS)
    .map((r) => runRow(p, r, metric))
    .join('\n');
  const total = view.supersededTotal ?? view.superseded.length;
  const unlisted = view.supersededNotListed ? `, ${text(view.supersededNotListed)} of them no longer listed` : '';
  const superseded =
    view.superseded.length > 0
      ? `<p>Superseded: ${text(total)} in all${unlisted}. Newest: ${view.superseded
          .slice(0, 10)
          .map((s) => `${text(short(s.revision))} by ${text(short(s.by))} (${text(s.reason)})`)
          .join(', ')}</p>`
      : '';
  const chart = p.series
    ? `<h3>${text(p.series.metric)} by revision</h3>\n${renderMetricChart(p.series, `chart-${view.name}`)}`
    : '';
  return `<section class="pipeline" data-pipeline="${text(view.name)}" aria-labelledby="pipeline-${text(view.name)}">
<h2 id="pipeline-${text(view.name)}">${text(view.name)}</h2>
<p class="config">${text(view.dataset)} → ${text(view.model)} · ${text(view.backend)} · ${text(view.task)} · on new revision: ${text(policy.onNewRevision)} · approval: ${text(policy.approval)} · debounce ${text(policy.debounceSeconds)} s</p>
${view.note ? `<p class="note">${text(view.note)}</p>` : ''}
${p.approvals.map((a) => renderApproval(a, writeApi, now)).join('\n')}
${deployTarget ? renderServing(view.name, deployTarget, p.serving, writeApi) : ''}
<dl>
<dt>Active</dt><dd class="active">${active}</dd>
<dt>Waiting</dt><dd class="waiting">${waiting}</dd>
<dt>Last result</dt><dd class="last">${lastResult(p, metric)}</dd>
${view.spend ? `<dt>Spent in ${text(view.spend.month)}</dt><dd class="spend">${text(spendLine(view.spend))}</dd>` : ''}
</dl>
${superseded}
${renderDataReport(p.dataReport)}
${chart}
<h3>Recent runs</h3>
<table class="runs"><thead><tr><th scope="col">revision</th><th scope="col">status</th><th scope="col">stage</th><th scope="col">result</th><th scope="col">cost</th><th scope="col">started</th><th scope="col">ended</th><th scope="col">links</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="8">no runs yet</td></tr>'}
</tbody></table>
</section>`;
}

/** Outside #status (the refresh leaves it alone): who decides, the token's state, the last answer. */
function decisionBar(writeApi: boolean): string {
  if (!writeApi) {
    return `<p class="toolbar" id="write-api" data-write-api="disabled">Approvals from this page are off: the write API is disabled (set ADMIN_TOKEN on the receiver to enable it).</p>`;
  }
  return `<div class="toolbar" id="write-api" data-write-api="enabled">
<label for="decider">Deciding as (optional)</label> <input id="decider" autocomplete="name" maxlength="100">
<span id="token-state"></span> <button type="button" id="token-forget" hidden>Forget the token</button>
</div>
<p id="decision-result" class="answer" role="status" aria-live="polite"></p>
<dialog id="token-dialog" aria-labelledby="token-title">
<form id="token-form" method="dialog">
<h2 id="token-title">Admin token</h2>
<p>Approving or rejecting needs the receiver's ADMIN_TOKEN. It is kept in this tab only (sessionStorage, no cookie) and sent to the API as a bearer token.</p>
<p><label for="token-input">ADMIN_TOKEN</label> <input id="token-input" type="password" autocomplete="off" required></p>
<p><button type="submit">Use this token</button> <button type="button" id="token-cancel">Cancel</button></p>
</form>
</dialog>`;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem}dt{font-weight:600}
.error{background:#fee;border:1px solid #c33;padding:.5rem}.note{color:#666}
.status-succeeded{color:#070}.status-failed{color:#b00}.status-cancelled{color:#777}.status-running{color:#05a}
.verdict-promoted{color:#17662f;font-weight:600}.verdict-not-promoted{color:#8a4b00}.verdict-failed,.verdict-rejected{color:#b00}
.verdict-cancelled,.verdict-superseded{color:#666}
section.pipeline{margin-bottom:2.5rem}footer{color:#666;font-size:.9em}
.data-checks td,.data-checks th{vertical-align:top}.data-checks .detail{color:#555;font-size:.85em}.check-fail{background:#fdecec}.check-warn{background:#fff8eb}
.approval{border:2px solid #b45309;background:#fff8eb;padding:.5rem 1rem;margin:1rem 0;border-radius:4px}
.approval h3{margin:.3rem 0}.approval textarea{width:100%;max-width:40rem;display:block}
button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid #555;background:#f4f4f4;cursor:pointer}
button.approve{background:#17662f;color:#fff;border-color:#0b4f24}button.reject{background:#fff;color:#a00;border-color:#a00}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.toolbar{background:#f6f6f6;padding:.4rem .6rem;border-radius:4px}
.answer:empty{display:none}.answer{padding:.4rem .6rem;border-radius:4px;border:1px solid #ccc}
.answer-ok{border-color:#17662f;background:#eef8f0}.answer-error{border-color:#b00;background:#fee}
.path code{white-space:nowrap}
figure.chart{margin:0}figcaption{margin-bottom:.3rem}
.chart-svg{width:100%;max-width:60rem;height:auto;display:block}
.chart-svg .grid{stroke:#eee}.chart-svg .axis{stroke:#999}
.chart-svg .tick{font-size:11px;fill:#555}
.chart-svg .series-line{fill:none;stroke:#999;stroke-width:1}
.chart-svg .promoted{fill:#17803d;stroke:#0b4f24}
.chart-svg .not-promoted{fill:#fff;stroke:#b45309;stroke-width:1.5}
.chart-svg .not-evaluated{fill:#fff;stroke:#777}
.chart-svg .in-service{fill:none;stroke:#1d4ed8;stroke-width:2}
.chart-svg .in-service-label{fill:#1d4ed8;font-size:12px;font-weight:600}
.chart-svg .threshold{fill:none;stroke:#6b21a8;stroke-width:1.5;stroke-dasharray:6 4}
.chart-svg .threshold-label{fill:#6b21a8;font-size:11px}
.chart-svg .current-line{fill:none;stroke:#1d4ed8;stroke-width:1;stroke-dasharray:2 3}
.chart-svg .current-remeasured{fill:none;stroke:#1d4ed8;stroke-width:1.5}
.key-current{color:#1d4ed8}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem;font-size:.9em}
.key-promoted{color:#17803d}.key-not-promoted{color:#b45309}.key-in-service{color:#1d4ed8}.key-threshold{color:#6b21a8}
.scroll{max-height:14rem;overflow:auto;border:1px solid #eee;margin-bottom:1rem}
td.value{font-variant-numeric:tabular-nums}
`;

/** `nonce`: the Content-Security-Policy nonce that lets the one inline script and style run. */
export function renderStatusPage(data: StatusPageData, nonce = ''): string {
  const n = nonce ? ` nonce="${text(nonce)}"` : '';
  const ui = data.temporalUiUrl ? ` · ${link(data.temporalUiUrl, 'Temporal Web UI')}` : '';
  const now = Date.parse(data.generatedAt);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hub-retrain</title>
<style${n}>${STYLE}</style></head>
<body>
<h1>hub-retrain</h1>
<p>Retrains a model, durably and exactly once, whenever a dataset changes. Point a Hub webhook at <code>POST /webhook</code>.
API: <a href="/api/openapi.json">/api/openapi.json</a>${ui}</p>
${decisionBar(data.writeApi)}
<main id="status" data-generated-at="${text(data.generatedAt)}">
${data.error ? `<p class="error">Temporal: ${text(data.error)}</p>` : ''}
${data.pipelines.map((p) => pipelineSection(p, data.writeApi, now)).join('\n')}
</main>
<footer>Refreshes every ${REFRESH_MS / 1000} s.</footer>
<script${n}>${statusPageScript(REFRESH_MS)}</script>
</body></html>
`;
}
