/** deploy/grafana-dashboard.json queries only metrics hub-retrain emits, under the names it emits them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiverMetrics } from '../../src/observability/metrics';
import { registerPipelineGauges } from '../../src/observability/pipeline-gauges';
import { WORKER_METRICS } from '../../src/observability/worker-metrics';

const dashboard = readFileSync(join(__dirname, '..', '..', 'deploy', 'grafana-dashboard.json'), 'utf8');

test('the dashboard parses and every hub_retrain metric it queries exists', async () => {
  const parsed = JSON.parse(dashboard) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const exprs = parsed.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  expect(exprs.length).toBeGreaterThan(10);

  const receiver = new ReceiverMetrics({ processMetrics: false });
  registerPipelineGauges(receiver.registry, async () => []);
  const families = [
    ...(await receiver.registry.getMetricsAsJSON()).map((m) => m.name),
    ...Object.values(WORKER_METRICS),
  ];
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/hub_retrain_[a-z_]+/g)].map((m) => m[0])));
  const unknown = [...used].filter((name) => !families.includes(name.replace(/_(bucket|sum|count)$/, '')));
  expect(unknown).toEqual([]);
  // And the dashboard shows each of them.
  for (const family of families) expect(dashboard).toContain(family);
});
