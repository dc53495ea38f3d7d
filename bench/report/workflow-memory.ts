/**
 * Section 6b of bench/RESULTS.md: heap per cached workflow, plain bundle and traced bundle
 * (bench/workflow-memory.bench.ts, workflow-memory.json).
 */
import { markdownTable } from '../lib/markdown';
import { formatNumber, formatSpread } from '../lib/stats';
import type { WorkflowMemoryResults } from '../workflow-memory.bench';
import type { Headline } from './shared';

export function workflowMemorySection(m: WorkflowMemoryResults | undefined, headline: Headline): string[] {
  if (!m) return [];
  const { plain, traced } = m.bundles;
  const ratio = traced.kibPerWorkflow.median / plain.kibPerWorkflow.median;
  headline.cachedWorkflow =
    `${formatNumber(plain.kibPerWorkflow.median, 0)} KiB of heap per cached workflow without tracing, ` +
    `${formatNumber(traced.kibPerWorkflow.median, 0)} KiB with it`;
  return [
    '## 6b. Memory per cached workflow',
    '',
    "A worker holds one instance of its workflow bundle's modules per cached workflow, so what the bundle carries sets " +
      'what the cache costs. A worker without tracing runs the plain bundle (the workflows and the run-metrics ' +
      'interceptor); one with tracing on runs the traced bundle beside it (plus the OpenTelemetry workflow interceptors). ' +
      `${m.settings.workflows} idle PipelineWorkflows, every one cached, on a worker in the benchmark's process with ` +
      "`debugMode` (workflows in the main isolate, so their heap is the process's), V8 heap in use after full collections " +
      `before and after; ${m.settings.reps} repetitions, the bundles alternating.`,
    '',
    markdownTable(
      [
        'bundle',
        'size (MiB, with source map)',
        'KiB of heap per cached workflow',
        `s to start and cache ${m.settings.workflows}`,
      ],
      (['plain', 'traced'] as const).map((b) => [
        b,
        formatNumber(m.bundles[b].bytes / 2 ** 20, 1),
        formatSpread(m.bundles[b].kibPerWorkflow, 0),
        formatSpread(m.bundles[b].startS, 1),
      ]),
      ['l', 'r', 'r', 'r'],
    ),
    '',
    `The traced bundle costs **${formatNumber(ratio, 1)}x** the plain one per cached workflow. Until this was measured every ` +
      'worker ran the traced bundle, tracing on or not (notes above).',
    '',
  ];
}
