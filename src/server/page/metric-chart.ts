/**
 * The model-across-revisions chart of the status page: server-rendered SVG (no script, no chart library),
 * readable from one point to a few hundred. Promoted models are diamonds, the others hollow circles, the
 * model in service is ringed and labelled, the bar each candidate had to beat is a dashed step line; shape
 * and text carry every meaning, colour only repeats it. Each point's tooltip (its SVG title) and the table
 * under the chart give revision, value, baseline and verdict.
 */
import type { MetricPointView, MetricSeriesView } from '../api/api-schemas';
import { metricValue, short, text, time } from './html';
import { barFor } from '../api/model-series';
import { formatPValue } from '../../registry/p-value';

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { left: 56, right: 116, top: 22, bottom: 36 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;
const X_LABELS = 6;
const INSET = 14;

const VERDICT_WORDS = { promoted: 'promoted', 'not-promoted': 'not promoted', 'not-evaluated': 'not evaluated' };

/** Round tick values covering [lo, hi]: a step of 1, 2, 2.5 or 5 times a power of ten, about four steps. */
export function ticks(lo: number, hi: number): { values: number[]; decimals: number } {
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) * 0.05 || 0.05;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * 0.999) ?? 10 * magnitude;
  const values: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 0.999; v += step) values.push(Number(v.toFixed(12)));
  if (values.length < 2) values.push(Number((values[0]! + step).toFixed(12)));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (Number.isInteger(step / magnitude) ? 0 : 1));
  return { values, decimals };
}

const num = (n: number): string => String(Math.round(n * 10) / 10);

/** The SVG and its legend and table, or a sentence when there is nothing to draw yet. */
export function renderMetricChart(series: MetricSeriesView, id: string): string {
  const measured = series.points.filter((p) => p.value !== undefined);
  if (series.points.length === 0) {
    return `<p class="chart-empty">No trained model yet: the ${text(series.metric)} of each model appears here once a run ends.</p>`;
  }
  const chart =
    measured.length === 0
      ? `<p class="chart-empty">No run reported ${text(series.metric)}, so there is nothing to draw.</p>`
      : svg(series, id);
  return `<figure class="chart" id="${text(id)}">
<figcaption>${caption(series)}</figcaption>
${chart}
${legend(series)}
${table(series, id)}
</figure>`;
}

function caption(series: MetricSeriesView): string {
  const better = series.direction === 'max' ? 'higher' : 'lower';
  const gate = series.gate
    ? `Promoted when it beats the model in service by more than ${text(series.minDelta ?? 0)}.`
    : 'No promotion gate: every trained model is put in service.';
  const service = series.inService
    ? ` In service: <code>${text(short(series.inService.revision))}</code> (${text(metricValue(series.inService.value))}).`
    : '';
  const bar =
    series.threshold !== undefined
      ? ` The next model must score ${series.direction === 'max' ? 'above' : 'below'} ${text(metricValue(series.threshold))}.`
      : '';
  const cut = series.truncated ? ` Only the newest ${text(series.runsRead)} runs are read.` : '';
  return `<strong>${text(series.metric)}</strong> of each trained model, oldest to newest (${better} is better). ${gate}${service}${bar}${cut}`;
}

function svg(series: MetricSeriesView, id: string): string {
  const { points } = series;
  const n = points.length;
  const bars = points.map((p) => (series.gate && p.baseline !== undefined ? barFor(series, p.baseline) : undefined));
  const numbers = [...points.map((p) => p.value), ...points.map((p) => p.baseline), ...bars, series.threshold].filter(
    (v): v is number => v !== undefined && Number.isFinite(v),
  );
  const scale = ticks(Math.min(...numbers), Math.max(...numbers));
  const lo = scale.values[0]!;
  const hi = scale.values[scale.values.length - 1]!;
  // Points keep clear of the axes; the bar each one faced spans at most 48 px around it.
  const inner = PLOT_W - 2 * INSET;
  const gap = n === 1 ? inner : inner / (n - 1);
  const half = Math.min(gap / 2, 24);
  const x = (i: number): number => (n === 1 ? PAD.left + PLOT_W / 2 : PAD.left + INSET + i * gap);
  const y = (v: number): number => PAD.top + PLOT_H - ((v - lo) / (hi - lo)) * PLOT_H;
  const r = n > 80 ? 2.4 : n > 30 ? 3.2 : 4.5;

  const grid = scale.values
    .map(
      (v) =>
        `<line class="grid" x1="${PAD.left}" x2="${PAD.left + PLOT_W}" y1="${num(y(v))}" y2="${num(y(v))}"/>` +
        `<text class="tick" x="${PAD.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${v.toFixed(scale.decimals)}</text>`,
    )
    .join('');
  const labelled = new Set(
    Array.from({ length: Math.min(n, X_LABELS) }, (_, k) =>
      Math.round((k * (n - 1)) / Math.max(1, Math.min(n, X_LABELS) - 1)),
    ),
  );
  const xLabels = [...labelled]
    .map((i) => {
      const p = points[i]!;
      const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
      return (
        `<text class="tick" x="${num(x(i))}" y="${PAD.top + PLOT_H + 15}" text-anchor="${anchor}">${text(short(p.revision))}</text>` +
        `<text class="tick date" x="${num(x(i))}" y="${PAD.top + PLOT_H + 28}" text-anchor="${anchor}">${text(p.endedAt.slice(0, 10))}</text>`
      );
    })
    .join('');

  const line = points
    .map((p, i) => (p.value === undefined ? undefined : `${num(x(i))},${num(y(p.value))}`))
    .filter(Boolean)
    .join(' ');
  const thresholdPath = stepPath(
    bars.map((b, i) => (b === undefined ? undefined : { from: x(i) - half, to: x(i) + half, y: y(b) })),
    series.threshold === undefined
      ? undefined
      : { from: x(n - 1) + half, to: PAD.left + PLOT_W + 16, y: y(series.threshold) },
  );
  const thresholdLabel =
    series.threshold === undefined
      ? ''
      : `<text class="threshold-label" x="${PAD.left + PLOT_W + 20}" y="${num(y(series.threshold) + 4)}">to beat ${text(metricValue(series.threshold))}</text>`;

  // The model in service, re-measured on each run's rows: when both fall together, the data got harder for both.
  const remeasured = points.map((p, i) =>
    p.sameData && p.baseline !== undefined ? { p, i, v: p.baseline } : undefined,
  );
  const currentLine = remeasured
    .filter((m) => m !== undefined)
    .map((m) => `${num(x(m.i))},${num(y(m.v))}`)
    .join(' ');
  const currentMarks = remeasured.map((m) => (m ? currentMark(m.p, x(m.i), y(m.v), r, series.metric) : '')).join('\n');
  const marks = points
    .map((p, i) => {
      if (p.value === undefined) return '';
      // Dense: the promoted models stand out, the others recede.
      return mark(p, x(i), y(p.value), n > 80 && p.verdict !== 'promoted' ? r * 0.75 : r, series.metric);
    })
    .join('\n');
  const service = points.findIndex((p) => p.inService);
  const serviceValue = points[service]?.value;
  const serviceLabel =
    serviceValue === undefined
      ? ''
      : `<text class="in-service-label" x="${num(Math.min(Math.max(x(service), PAD.left + 30), PAD.left + PLOT_W - 10))}" y="${num(Math.max(y(serviceValue) - r - 9, 10))}" text-anchor="middle">in service</text>`;

  const promoted = points.filter((p) => p.verdict === 'promoted').length;
  const summary =
    `${series.metric} of ${n} trained model${n === 1 ? '' : 's'}, oldest to newest; ${promoted} promoted` +
    (series.inService
      ? `; in service: ${short(series.inService.revision)} with ${metricValue(series.inService.value)}`
      : '') +
    (series.threshold !== undefined ? `; the next model must beat ${metricValue(series.threshold)}` : '') +
    '. The table below lists every point.';
  return `<svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${text(id)}-title ${text(id)}-desc" data-points="${n}">
<title id="${text(id)}-title">${text(series.metric)} by revision</title>
<desc id="${text(id)}-desc">${text(summary)}</desc>
${grid}
<line class="axis" x1="${PAD.left}" x2="${PAD.left + PLOT_W}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H}"/>
${xLabels}
${thresholdPath ? `<path class="threshold" d="${thresholdPath}"/>` : ''}
${thresholdLabel}
${line ? `<polyline class="series-line" points="${line}"/>` : ''}
${currentLine.includes(' ') ? `<polyline class="current-line" points="${currentLine}"/>` : ''}
${currentMarks}
${marks}
${serviceLabel}
</svg>`;
}

/** Horizontal segments joined where they meet: the bar each candidate faced, then the bar for the next one. */
function stepPath(
  segments: Array<{ from: number; to: number; y: number } | undefined>,
  next: { from: number; to: number; y: number } | undefined,
): string {
  let d = '';
  let end: number | undefined;
  for (const s of [...segments, next]) {
    if (!s) {
      end = undefined;
      continue;
    }
    d +=
      end !== undefined && Math.abs(end - s.from) < 0.01
        ? `V${num(s.y)}H${num(s.to)}`
        : `M${num(s.from)} ${num(s.y)}H${num(s.to)}`;
    end = s.to;
  }
  return d;
}

function tooltip(p: MetricPointView, metric: string): string {
  const baseline =
    p.baseline === undefined
      ? 'no baseline'
      : `baseline ${metricValue(p.baseline)}${p.baselineRevision ? ` (${short(p.baselineRevision)})` : ''}`;
  return `${short(p.revision)} · ${metric} ${metricValue(p.value)} · ${baseline} · ${VERDICT_WORDS[p.verdict]}${p.inService ? ' · in service' : ''}`;
}

function mark(p: MetricPointView, cx: number, cy: number, r: number, metric: string): string {
  const X = num(cx);
  const Y = num(cy);
  const shape =
    p.verdict === 'promoted'
      ? `<path class="pt promoted" d="M${X} ${num(cy - r * 1.4)}L${num(cx + r * 1.4)} ${Y}L${X} ${num(cy + r * 1.4)}L${num(cx - r * 1.4)} ${Y}Z"/>`
      : p.verdict === 'not-promoted'
        ? `<circle class="pt not-promoted" cx="${X}" cy="${Y}" r="${r}"/>`
        : `<rect class="pt not-evaluated" x="${num(cx - r)}" y="${num(cy - r)}" width="${num(2 * r)}" height="${num(2 * r)}"/>`;
  const ring = p.inService ? `<circle class="in-service" cx="${X}" cy="${Y}" r="${num(r * 1.4 + 4)}"/>` : '';
  return `<g class="point" data-revision="${text(p.revision)}" data-verdict="${p.verdict}"${p.inService ? ' data-in-service="true"' : ''}><title>${text(tooltip(p, metric))}</title>${ring}${shape}</g>`;
}

/** A cross: the model in service, measured on the same rows as this point's model. */
function currentMark(p: MetricPointView, cx: number, cy: number, r: number, metric: string): string {
  const d = r * 1.1;
  const path = `M${num(cx - d)} ${num(cy - d)}L${num(cx + d)} ${num(cy + d)}M${num(cx - d)} ${num(cy + d)}L${num(cx + d)} ${num(cy - d)}`;
  const title = `in service${p.baselineRevision ? ` (${short(p.baselineRevision)})` : ''}, measured on the same ${p.rows ?? ''} rows as ${short(p.revision)}: ${metric} ${metricValue(p.baseline)}`;
  return `<g class="current-point" data-revision="${text(p.revision)}"><title>${text(title)}</title><path class="pt current-remeasured" d="${path}"/></g>`;
}

function legend(series: MetricSeriesView): string {
  const items = [
    '<li><span class="key key-promoted" aria-hidden="true">◆</span> promoted</li>',
    '<li><span class="key key-not-promoted" aria-hidden="true">○</span> not promoted</li>',
    '<li><span class="key key-in-service" aria-hidden="true">◎</span> in service</li>',
  ];
  if (series.points.some((p) => p.sameData))
    items.push(
      '<li><span class="key key-current" aria-hidden="true">×</span> the model in service, measured on the same rows</li>',
    );
  if (series.points.some((p) => p.verdict === 'not-evaluated'))
    items.push(
      '<li><span class="key key-not-evaluated" aria-hidden="true">□</span> not evaluated (before the gate)</li>',
    );
  if (series.gate)
    items.push(
      `<li><span class="key key-threshold" aria-hidden="true">┅</span> the bar to beat (in service ${series.direction === 'max' ? '+' : '−'} ${text(series.minDelta ?? 0)})</li>`,
    );
  return `<ul class="legend">${items.join('')}</ul>`;
}

function table(series: MetricSeriesView, id: string): string {
  const rows = [...series.points]
    .reverse()
    .map(
      (p) => `<tr data-revision="${text(p.revision)}" data-verdict="${p.verdict}">
<td><code title="${text(p.revision)}">${text(short(p.revision))}</code></td>
<td>${text(time(p.endedAt))}</td>
<td class="value">${text(metricValue(p.value))}</td>
<td class="value">${p.baseline === undefined ? '—' : `${text(metricValue(p.baseline))}${p.baselineRevision ? ` <code>${text(short(p.baselineRevision))}</code>` : ''}${measuredOn(p)}`}</td>
<td class="verdict verdict-${p.verdict}"${p.reason ? ` title="${text(p.reason)}"` : ''}>${verdictCell(p)}</td>
</tr>`,
    )
    .join('\n');
  return `<div class="scroll" id="${text(id)}-table" tabindex="0" role="region" aria-label="${text(series.metric)} of every trained model">
<table class="series"><thead><tr><th scope="col">revision</th><th scope="col">ended</th><th scope="col">${text(series.metric)}</th><th scope="col">baseline (in service then)</th><th scope="col">verdict</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

/** Whether the baseline was measured on this run's rows (and the paired test's p), or is a recorded number. */
function measuredOn(p: MetricPointView): string {
  if (p.sameData === false) return ' <small>(recorded, other data)</small>';
  if (!p.sameData) return '';
  return ` <small>(same ${text(p.rows ?? '')} rows${p.pValue === undefined ? '' : `, p = ${text(formatPValue(p.pValue))}`})</small>`;
}

function verdictCell(p: MetricPointView): string {
  const symbol = p.verdict === 'promoted' ? '◆' : p.verdict === 'not-promoted' ? '○' : '□';
  return `<span aria-hidden="true">${symbol}</span> ${VERDICT_WORDS[p.verdict]}${p.inService ? ' <strong>(in service)</strong>' : ''}`;
}
