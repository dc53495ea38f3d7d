/**
 * GET /: the status page. Plain server-rendered HTML (every value escaped): each pipeline with its policy,
 * active run, waiting revision and recent runs with their stage and links. A few lines of inline script
 * re-fetch this same page every few seconds and swap in its #status element, so it stays current without
 * a reload and there is one renderer, here.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { PipelineView, RunSummaryView } from './api-schemas';
import { cspNonce } from './security-headers';
import type { StatusReader } from './status-reader';
import { TemporalUnavailableError } from './temporal-call';
import { pipelineNotStarted } from './run-views';

const RECENT_RUNS = 10;
export const REFRESH_MS = 2000;

export interface StatusPageData {
  pipelines: Array<{ view: PipelineView; runs: RunSummaryView[] }>;
  /** Set when Temporal could not be read: the page then shows the configuration only. */
  error?: string;
  temporalUiUrl?: string;
  generatedAt: string;
}

export function statusPageHandler(reader: StatusReader, logger: Logger, temporalUiUrl?: string) {
  return (_req: Request, res: Response): void => {
    loadStatusPageData(reader, temporalUiUrl)
      .catch((err: unknown) => {
        logger.error({ err: { message: (err as Error).message } }, 'status page failed');
        return offline(reader, 'could not read the status', temporalUiUrl);
      })
      .then((data) => {
        res.setHeader('Cache-Control', 'no-store');
        res.type('html').send(renderStatusPage(data, cspNonce(res)));
      })
      .catch(() => res.status(500).end());
  };
}

export async function loadStatusPageData(reader: StatusReader, temporalUiUrl?: string): Promise<StatusPageData> {
  try {
    const views = await reader.listPipelines();
    const pipelines = await Promise.all(
      views.map(async (view) => ({
        view,
        runs: view.started ? (await reader.listRuns({ pipeline: view.name, limit: RECENT_RUNS })).runs : [],
      })),
    );
    return { pipelines, temporalUiUrl, generatedAt: new Date().toISOString() };
  } catch (err) {
    if (err instanceof TemporalUnavailableError) return offline(reader, err.message, temporalUiUrl);
    throw err;
  }
}

function offline(reader: StatusReader, error: string, temporalUiUrl?: string): StatusPageData {
  return {
    pipelines: reader.pipelines.map((spec) => ({ view: { ...pipelineNotStarted(spec), note: undefined }, runs: [] })),
    error,
    temporalUiUrl,
    generatedAt: new Date().toISOString(),
  };
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const e = (value: string | number | undefined | null): string =>
  escapeHtml(value === undefined || value === null ? '' : String(value));

/** A link only for http(s) URLs: anything else is shown as text. */
function link(url: string | undefined, text: string): string {
  if (!url) return '';
  return /^https?:\/\//i.test(url) ? `<a href="${e(url)}">${e(text)}</a>` : e(text);
}

const short = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '—');
const time = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

function runLinks(links: RunSummaryView['links']): string {
  return [
    link(links.temporal, 'Temporal'),
    link(links.job, 'job'),
    link(links.model, 'model'),
    link(links.discussion, 'discussion'),
  ]
    .filter(Boolean)
    .join(' · ');
}

function pipelineSection({ view, runs }: StatusPageData['pipelines'][number]): string {
  const p = view.policy;
  const active = view.active
    ? `<a class="run-id" href="/api/runs/${e(encodeURIComponent(view.active.workflowId))}">${e(view.active.workflowId)}</a>
       stage <span class="stage">${e(view.active.stage ?? 'starting')}</span>${view.active.cancelRequested ? ' (cancel requested)' : ''}
       ${runLinks(view.active.links)}`
    : 'none';
  const waiting = view.waiting
    ? `${e(short(view.waiting.revision ?? 'head of main'))} since ${e(time(view.waiting.since))}`
    : 'none';
  const last = view.lastResult
    ? `${e(view.lastResult.outcome ?? 'ended')} on ${e(short(view.lastResult.revision))} at ${e(time(view.lastResult.endedAt))}`
    : 'none yet';
  const rows = runs
    .map(
      (r) => `<tr data-workflow-id="${e(r.workflowId)}">
  <td><a href="/api/runs/${e(encodeURIComponent(r.workflowId))}">${e(short(r.revision))}</a></td>
  <td class="status status-${e(r.status)}">${e(r.outcome ?? r.status)}</td>
  <td class="stage">${e(r.stage ?? '')}</td>
  <td>${e(time(r.startedAt))}</td>
  <td>${e(time(r.endedAt))}</td>
  <td>${runLinks(r.links)}</td>
</tr>`,
    )
    .join('\n');
  const total = view.supersededTotal ?? view.superseded.length;
  const unlisted = view.supersededNotListed ? `, ${e(view.supersededNotListed)} of them no longer listed` : '';
  const superseded =
    view.superseded.length > 0
      ? `<p>Superseded: ${e(total)} in all${unlisted}. Newest: ${view.superseded
          .slice(0, 10)
          .map((s) => `${e(short(s.revision))} by ${e(short(s.by))} (${e(s.reason)})`)
          .join(', ')}</p>`
      : '';
  return `<section class="pipeline" data-pipeline="${e(view.name)}">
<h2>${e(view.name)}</h2>
<p class="config">${e(view.dataset)} → ${e(view.model)} · ${e(view.backend)} · ${e(view.task)} · on new revision: ${e(p.onNewRevision)} · approval: ${e(p.approval)} · debounce ${e(p.debounceSeconds)} s</p>
${view.note ? `<p class="note">${e(view.note)}</p>` : ''}
<dl>
<dt>Active</dt><dd class="active">${active}</dd>
<dt>Waiting</dt><dd class="waiting">${waiting}</dd>
<dt>Last result</dt><dd class="last">${last}</dd>
</dl>
${superseded}
<table class="runs"><thead><tr><th>revision</th><th>status</th><th>stage</th><th>started</th><th>ended</th><th>links</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">no runs yet</td></tr>'}
</tbody></table>
</section>`;
}

/** `nonce`: the Content-Security-Policy nonce that lets the inline script and style run. */
export function renderStatusPage(data: StatusPageData, nonce = ''): string {
  const n = nonce ? ` nonce="${e(nonce)}"` : '';
  const ui = data.temporalUiUrl ? ` · ${link(data.temporalUiUrl, 'Temporal Web UI')}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hub-retrain</title>
<style${n}>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem}dt{font-weight:600}
.error{background:#fee;border:1px solid #c33;padding:.5rem}.note{color:#666}
.status-succeeded{color:#070}.status-failed{color:#b00}.status-cancelled{color:#777}.status-running{color:#05a}
section{margin-bottom:2rem}footer{color:#777;font-size:.9em}
</style></head>
<body>
<h1>hub-retrain</h1>
<p>Retrains a model, durably and exactly once, whenever a dataset changes. Point a Hub webhook at <code>POST /webhook</code>.
API: <a href="/api/openapi.json">/api/openapi.json</a>${ui}</p>
<main id="status" data-generated-at="${e(data.generatedAt)}">
${data.error ? `<p class="error">Temporal: ${e(data.error)}</p>` : ''}
${data.pipelines.map(pipelineSection).join('\n')}
</main>
<footer>Refreshes every ${REFRESH_MS / 1000} s.</footer>
<script${n}>
(function () {
  function refresh() {
    fetch(location.pathname, { cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('status');
        var current = document.getElementById('status');
        if (next && current) current.replaceWith(next);
      })
      .catch(function () {})
      .then(function () { setTimeout(refresh, ${REFRESH_MS}); });
  }
  setTimeout(refresh, ${REFRESH_MS});
})();
</script>
</body></html>
`;
}
