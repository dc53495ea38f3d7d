/**
 * One pipeline's model quality across the revisions that produced it: the promotion metric (accuracy when no
 * gate is set) of every run that trained a model, oldest first, with the gate's verdict, the model in service
 * and the value a new model must beat. Served by GET /api/pipelines/{name}/metrics and drawn on the page.
 */
import type { PipelineSpec } from '../../config/config-schema';
import type { MetricPointView, MetricSeriesView, RunSummaryView, SeriesQuery, Verdict } from './api-schemas';
import { NotFoundError } from './api-errors';
import type { RunEnding, RunEndings } from './run-endings';
import type { StatusReader } from './status-reader';

/** The metric a pipeline is judged by. */
export function seriesMetric(spec: PipelineSpec): { metric: string; direction: 'max' | 'min' } {
  return { metric: spec.promotion?.metric ?? 'accuracy', direction: spec.promotion?.direction ?? 'max' };
}

/** The bar a candidate must clear (strictly) against a model in service that scored `baseline`. */
export function barFor(series: Pick<MetricSeriesView, 'direction' | 'minDelta'>, baseline: number): number {
  const delta = series.minDelta ?? 0;
  return series.direction === 'max' ? baseline + delta : baseline - delta;
}

/** The series from runs as visibility lists them (newest first, any status) and their endings. */
export function buildSeries(
  spec: PipelineSpec,
  runs: readonly RunSummaryView[],
  endings: ReadonlyMap<string, RunEnding>,
  limit: number,
): MetricSeriesView {
  const { metric, direction } = seriesMetric(spec);
  const trained = runs
    .filter((r) => r.status === 'succeeded' && r.endedAt !== undefined)
    .sort((a, b) => (a.endedAt! < b.endedAt! ? -1 : a.endedAt! > b.endedAt! ? 1 : 0));
  const points: MetricPointView[] = trained.map((run) => point(run, endings.get(run.runId), metric));
  const service = [...points].reverse().find((p) => p.verdict === 'promoted');
  if (service) service.inService = true;
  const series: MetricSeriesView = {
    pipeline: spec.name,
    metric,
    direction,
    gate: spec.promotion !== undefined,
    minDelta: spec.promotion?.min_delta,
    inService: service && { workflowId: service.workflowId, revision: service.revision, value: service.value },
    points,
    runsRead: runs.length,
    truncated: runs.length >= limit,
  };
  if (series.gate && service?.value !== undefined) series.threshold = barFor(series, service.value);
  return series;
}

function point(run: RunSummaryView, ending: RunEnding | undefined, metric: string): MetricPointView {
  const promotion = ending?.promotion;
  const verdict: Verdict = !promotion ? 'not-evaluated' : promotion.promoted ? 'promoted' : 'not-promoted';
  const sameMetric = promotion?.metric === undefined || promotion.metric === metric;
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    revision: run.revision ?? '',
    endedAt: run.endedAt ?? run.startedAt,
    // The value the gate judged (on the rows both models were measured on), else the one the run reported.
    value: (sameMetric ? promotion?.candidate : undefined) ?? ending?.metrics[metric],
    baseline: sameMetric ? promotion?.current : undefined,
    baselineRevision: promotion?.currentRevision,
    sameData: sameMetric ? promotion?.sameData : undefined,
    rows: sameMetric ? promotion?.rows : undefined,
    pValue: sameMetric ? promotion?.pValue : undefined,
    verdict,
    reason: promotion?.reason,
    inService: false,
    links: run.links,
  };
}

/** Reads the newest `limit` runs of a pipeline and their endings, and builds its series. */
export async function loadSeries(
  reader: StatusReader,
  endings: RunEndings,
  pipeline: string,
  query: SeriesQuery,
): Promise<MetricSeriesView> {
  const spec = reader.pipelines.find((p) => p.name === pipeline);
  if (!spec) throw new NotFoundError(`unknown pipeline "${pipeline}"`);
  const { runs } = await reader.listRuns({ pipeline: spec.name, limit: query.limit });
  return buildSeries(spec, runs, await endings.of(runs), query.limit);
}
