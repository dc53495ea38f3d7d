import type { PipelineSpec } from '../config/config-schema';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** GET /: what this receiver serves, like the original Space's home page. */
export function homePage(pipelines: readonly PipelineSpec[], temporalUiUrl?: string): string {
  const rows = pipelines
    .map(
      (p) =>
        `<tr><td>${escape(p.name)}</td><td>${escape(p.input_dataset)}</td><td>${escape(p.input_model)}</td><td>${escape(p.backend.type)}</td><td>${escape(p.on_new_revision)}</td></tr>`,
    )
    .join('');
  const ui = temporalUiUrl ? `<p>Runs: <a href="${escape(temporalUiUrl)}">Temporal Web UI</a></p>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>hub-retrain</title></head><body>
<h1>hub-retrain</h1>
<p>Retrains a model, durably and exactly once, whenever a dataset changes. Point a Hub webhook at <code>POST /webhook</code>.</p>
${ui}
<table border="1" cellpadding="4"><thead><tr><th>pipeline</th><th>dataset</th><th>base model</th><th>backend</th><th>on new revision</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
}
